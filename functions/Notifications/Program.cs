using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Configuration;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.Notifications;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddAppConfiguration(); // Azure App Configuration when AppConfiguration:Endpoint is set
builder.AddApplicationInsights(NotificationsModule.Name); // traces, metrics and logs when APPLICATIONINSIGHTS_CONNECTION_STRING is set
builder.Services.AddNotifications(builder.Configuration);
builder.Build().Run();
