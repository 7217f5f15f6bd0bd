using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Configuration;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.WebBff;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddAppConfiguration(); // Azure App Configuration when AppConfiguration:Endpoint is set
builder.AddApplicationInsights("web-bff"); // traces, metrics and logs when APPLICATIONINSIGHTS_CONNECTION_STRING is set
builder.Services.AddWebBff(builder.Configuration);
builder.Build().Run();
