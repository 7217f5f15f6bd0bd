using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serverless.UnitTests.Infra;

/// <summary>
/// infra/main.bicep compiled to ARM JSON (<c>bicep build --stdout</c>), with just enough navigation for the
/// tests: nested deployments by name, resources whether a template lists them or names them (language
/// version 2.0), and the literal keys of a <c>createObject(...)</c> expression.
/// </summary>
internal static partial class CompiledTemplate
{
    public static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        var resources = template.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(p => p.Value) : resources.EnumerateArray();
    }

    /// <summary>A nested deployment by its name (or its copy loop's name), and the template it deploys.</summary>
    public static JsonElement Deployment(JsonElement template, string name) =>
        Resources(template).Single(r => r.GetProperty("type").ValueEquals("Microsoft.Resources/deployments")
            && ((r.TryGetProperty("copy", out var copy) && copy.GetProperty("name").ValueEquals(name))
                || r.GetProperty("name").ValueEquals(name)
                || r.GetProperty("name").GetString()!.Contains($"-{name}'", StringComparison.Ordinal)));

    public static JsonElement Template(JsonElement deployment) => deployment.GetProperty("properties").GetProperty("template");

    /// <summary>A deployment's parameter: its value when that is one string (a literal or an expression), else its JSON.</summary>
    public static string Parameter(JsonElement deployment, string name)
    {
        var parameter = deployment.GetProperty("properties").GetProperty("parameters").GetProperty(name);
        return parameter.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : parameter.GetRawText();
    }

    public static IEnumerable<JsonElement> OfType(JsonElement template, string type) =>
        Resources(template).Where(r => r.GetProperty("type").ValueEquals(type));

    /// <summary>Every resource of <paramref name="type"/> in the template and in the templates it deploys.</summary>
    public static IEnumerable<JsonElement> AllOfType(JsonElement template, string type) =>
        Resources(template).SelectMany(r => r.GetProperty("type").ValueEquals("Microsoft.Resources/deployments")
            ? AllOfType(Template(r), type)
            : r.GetProperty("type").ValueEquals(type) ? [r] : []);

    /// <summary>The keys of the first <c>createObject('k1', v1, 'k2', v2, ...)</c> in <paramref name="expression"/> (literal keys only).</summary>
    public static List<string> CreateObjectKeys(string expression)
    {
        var start = expression.IndexOf("createObject(", StringComparison.Ordinal) + "createObject(".Length;
        var arguments = new List<string>();
        var (depth, inString, from) = (0, false, start);
        for (var i = start; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\'')
            {
                inString = !inString;
            }
            else if (!inString && c == '(')
            {
                depth++;
            }
            else if (!inString && (c == ',' || c == ')') && depth == 0)
            {
                arguments.Add(expression[from..i].Trim());
                from = i + 1;
                if (c == ')')
                {
                    break;
                }
            }
            else if (!inString && c == ')')
            {
                depth--;
            }
        }

        return [.. arguments.Where((_, i) => i % 2 == 0).Select(a => a.Trim('\''))];
    }

    /// <summary>The prefix or exact value a <c>filter(..., lambda('r', startsWith|equals(lambdaVariables('r').scope, 'x')))</c> selects.</summary>
    public static (bool Prefix, string Value) ScopeFilter(string expression)
    {
        var match = ScopeFilterPattern().Match(expression);
        Assert.True(match.Success, $"Not a scope filter: {expression}");
        return (match.Groups[1].Value == "startsWith", match.Groups[2].Value);
    }

    [GeneratedRegex(@"filter\(parameters\('access'\)\.roles, lambda\('r', (startsWith|equals)\(lambdaVariables\('r'\)\.scope, '([^']+)'\)\)\)")]
    private static partial Regex ScopeFilterPattern();
}
