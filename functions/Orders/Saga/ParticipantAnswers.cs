using Serverless.BuildingBlocks.Http;

namespace Serverless.Orders.Saga;

/// <summary>What the saga makes of a participant's answer.</summary>
public enum AnswerKind
{
    /// <summary>2xx: the step happened.</summary>
    Done,

    /// <summary>A business "no" (409/422 with a known problem type): compensate now with that reason.</summary>
    Refused,

    /// <summary>The participant may say yes later (408, 429, 5xx; network errors and timeouts never get an answer): retry until the deadline.</summary>
    Transient,

    /// <summary>Any other 4xx (400, 401, 403, 404, a 409 without a known type, ...): asking again gets the same answer, so fail the step now.</summary>
    Failed,
}

/// <summary>The one place participant answers are classified; the rule is the README's saga section.</summary>
public static class ParticipantAnswers
{
    /// <summary>The problem types that are business refusals (<see cref="ProblemTypes"/>).</summary>
    public static bool IsRefusal(string? problemType) =>
        problemType is ProblemTypes.OutOfStock or ProblemTypes.PaymentDeclined or ProblemTypes.ShippingUnavailable or ProblemTypes.AlreadyCompensated;

    public static AnswerKind Classify(int status, string? problemType) => status switch
    {
        >= 200 and <= 299 => AnswerKind.Done,
        409 or 422 when IsRefusal(problemType) => AnswerKind.Refused,
        408 or 429 or >= 500 => AnswerKind.Transient,
        _ => AnswerKind.Failed,
    };
}
