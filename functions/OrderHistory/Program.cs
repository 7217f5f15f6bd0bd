using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Configuration;
using Serverless.OrderHistory;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddAppConfiguration(); // Azure App Configuration when AppConfiguration:Endpoint is set
builder.Services.AddOrderHistory(builder.Configuration);
builder.Build().Run();
