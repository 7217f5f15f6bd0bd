using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Configuration;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.Identity;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddAppConfiguration(); // Azure App Configuration when AppConfiguration:Endpoint is set
builder.AddApplicationInsights("identity"); // traces, metrics and logs when APPLICATIONINSIGHTS_CONNECTION_STRING is set
builder.Services.AddIdentityService(builder.Configuration);
builder.Build().Run();
