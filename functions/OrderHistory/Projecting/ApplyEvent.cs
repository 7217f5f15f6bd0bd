using Serverless.BuildingBlocks.Messaging;

namespace Serverless.OrderHistory.Projecting;

/// <summary>
/// How an event changes a view: <see cref="OrderHistoryView.Apply"/>. Stores take it as a parameter so a
/// test can stand in a faulty projection (a bug that throws for one event) and then the fixed one.
/// </summary>
public delegate bool ApplyEvent(OrderHistoryView view, IntegrationEvent e);
