using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>A name the context does not define: empty when printed, false when tested, nothing when iterated.</summary>
public sealed class Undefined
{
    public static readonly Undefined Value = new();
    private Undefined() { }
}

/// <summary><c>namespace(...)</c>: the one object a template may change from inside a loop.</summary>
public sealed class Namespace(OrderedDictionary<string, object?> attributes)
{
    public OrderedDictionary<string, object?> Attributes { get; } = attributes;
}

/// <summary>Something a template can call: a macro, a global such as <c>raise_exception</c>, or a bound method.</summary>
public delegate object? Callable(IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords);

/// <summary>
/// Python's semantics for the values a template sees: None, bool, int (long), float (double), str, list, dict
/// (insertion-ordered), as jinja2 renders them under transformers.
/// </summary>
public static class Values
{
    public static bool IsTrue(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long n => n != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IList<object?> list => list.Count > 0,
        OrderedDictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>str()</c>.</summary>
    public static string Str(object? value) => value switch
    {
        Undefined => "",
        string s => s,
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>, used for containers and their items.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long n => n.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        string s => QuoteString(s),
        IList<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        OrderedDictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(p => $"{QuoteString(p.Key)}: {Repr(p.Value)}")) + "}",
        Namespace => "<Namespace>",
        _ => value.ToString() ?? "",
    };

    private static string FloatRepr(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal))
        {
            var mantissaAndExponent = text.Split('E');
            var exponent = int.Parse(mantissaAndExponent[1], CultureInfo.InvariantCulture);
            return $"{mantissaAndExponent[0]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string QuoteString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var text = new StringBuilder().Append(quote);
        foreach (var c in s)
            text.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        return text.Append(quote).ToString();
    }

    public static bool AreEqual(object? left, object? right) => (left, right) switch
    {
        (null, null) or (Undefined, Undefined) => true,
        (long or double or bool, long or double or bool) => ToDouble(left) == ToDouble(right),
        (string a, string b) => a == b,
        (IList<object?> a, IList<object?> b) => a.Count == b.Count && a.Zip(b).All(p => AreEqual(p.First, p.Second)),
        (OrderedDictionary<string, object?> a, OrderedDictionary<string, object?> b) =>
            a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && AreEqual(p.Value, v)),
        _ => ReferenceEquals(left, right),
    };

    public static int Compare(object? left, object? right) => (left, right) switch
    {
        (long or double or bool, long or double or bool) => ToDouble(left).CompareTo(ToDouble(right)),
        (string a, string b) => string.CompareOrdinal(a, b),
        (IList<object?> a, IList<object?> b) => a.Zip(b).Select(p => Compare(p.First, p.Second)).FirstOrDefault(c => c != 0) is var c && c != 0
            ? c : a.Count.CompareTo(b.Count),
        _ => throw new JinjaException($"cannot compare {TypeName(left)} with {TypeName(right)}."),
    };

    public static double ToDouble(object? value) => value switch
    {
        long n => n,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaException($"expected a number, got {TypeName(value)}."),
    };

    public static string TypeName(object? value) => value switch
    {
        null => "None",
        Undefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        IList<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        Namespace => "namespace",
        Callable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>What <c>for</c> walks: list items, dict keys, string characters; undefined walks nothing.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        Undefined => [],
        IList<object?> list => list.ToList(),
        OrderedDictionary<string, object?> dict => dict.Keys.Cast<object?>().ToList(),
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        _ => throw new JinjaException($"{TypeName(value)} is not iterable."),
    };

    /// <summary>transformers' <c>tojson</c>: <c>json.dumps(value, ensure_ascii=False, indent=indent)</c>.</summary>
    public static string ToJson(object? value, int? indent)
    {
        var text = new StringBuilder();
        WriteJson(text, value, indent, 0);
        return text.ToString();
    }

    private static void WriteJson(StringBuilder text, object? value, int? indent, int depth)
    {
        string Newline(int level) => indent is { } width ? "\n" + new string(' ', width * level) : "";
        var itemSeparator = indent is null ? ", " : ",";
        switch (value)
        {
            case null or Undefined:
                text.Append("null");
                break;
            case bool b:
                text.Append(b ? "true" : "false");
                break;
            case long or double:
                text.Append(value is double d && !double.IsFinite(d) ? (double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity") : Repr(value));
                break;
            case string s:
                text.Append(JsonSerializer.Serialize(s, JsonOptions));
                break;
            case IList<object?> list:
                if (list.Count == 0)
                {
                    text.Append("[]");
                    break;
                }
                text.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    text.Append(i > 0 ? itemSeparator : "").Append(Newline(depth + 1));
                    WriteJson(text, list[i], indent, depth + 1);
                }
                text.Append(Newline(depth)).Append(']');
                break;
            case OrderedDictionary<string, object?> dict:
                if (dict.Count == 0)
                {
                    text.Append("{}");
                    break;
                }
                text.Append('{');
                var first = true;
                foreach (var (key, item) in dict)
                {
                    text.Append(first ? "" : itemSeparator).Append(Newline(depth + 1));
                    text.Append(JsonSerializer.Serialize(key, JsonOptions)).Append(": ");
                    WriteJson(text, item, indent, depth + 1);
                    first = false;
                }
                text.Append(Newline(depth)).Append('}');
                break;
            default:
                throw new JinjaException($"{TypeName(value)} cannot be written as JSON.");
        }
    }

    // ensure_ascii=False: only quotes, backslashes and control characters are escaped.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A value from .NET (messages, tools, extra context) in the template's own types.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null or bool or long or double or string or Undefined or Namespace or Callable => value,
        int n => (long)n,
        float f => (double)f,
        JsonElement json => FromJson(json),
        OrderedDictionary<string, object?> dict => dict,
        IEnumerable<KeyValuePair<string, object?>> pairs =>
            new OrderedDictionary<string, object?>(pairs.Select(p => KeyValuePair.Create(p.Key, FromClr(p.Value)))),
        IEnumerable<object?> items => items.Select(FromClr).ToList(),
        _ => throw new ArgumentException($"A {value.GetType().Name} cannot be passed to a chat template."),
    };

    private static object? FromJson(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => json.TryGetInt64(out var n) ? n : json.GetDouble(),
        JsonValueKind.String => json.GetString(),
        JsonValueKind.Array => json.EnumerateArray().Select(FromJson).ToList(),
        _ => new OrderedDictionary<string, object?>(json.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, FromJson(p.Value)))),
    };
}
