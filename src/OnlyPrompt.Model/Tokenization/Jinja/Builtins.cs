using System.Globalization;
using System.Net;

namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>The globals, filters, tests, operators and methods of str, list and dict that chat templates call.</summary>
public static class Builtins
{
    public static readonly IReadOnlyDictionary<string, object?> NoKeywords = new Dictionary<string, object?>();

    public static readonly IReadOnlyDictionary<string, object?> Globals = new Dictionary<string, object?>
    {
        ["raise_exception"] = (Callable)((args, _) => throw new TemplateRaisedException(args.Count > 0 ? Values.Str(args[0]) : "raise_exception")),
        ["namespace"] = (Callable)((args, keywords) =>
        {
            var attributes = new OrderedDictionary<string, object?>();
            foreach (var dict in args.OfType<OrderedDictionary<string, object?>>())
                foreach (var (key, value) in dict)
                    attributes[key] = value;
            foreach (var (key, value) in keywords)
                attributes[key] = value;
            return new Namespace(attributes);
        }),
        ["range"] = (Callable)((args, _) =>
        {
            var numbers = args.Select(a => a is long n ? n : throw new JinjaException("range() takes integers.")).ToArray();
            var (start, stop, step) = numbers.Length switch
            {
                1 => (0L, numbers[0], 1L),
                2 => (numbers[0], numbers[1], 1L),
                3 => (numbers[0], numbers[1], numbers[2]),
                _ => throw new JinjaException("range() takes 1 to 3 arguments."),
            };
            if (step == 0)
                throw new JinjaException("range() step must not be zero.");
            var items = new List<object?>();
            for (var i = start; step > 0 ? i < stop : i > stop; i += step)
                items.Add(i);
            return items;
        }),
        ["dict"] = (Callable)((_, keywords) => new OrderedDictionary<string, object?>(keywords)),
        ["strftime_now"] = (Callable)((args, _) => StrftimeNow(args.Count > 0 ? Values.Str(args[0]) : "%Y-%m-%d")),
    };

    public static OrderedDictionary<string, object?> LoopObject(IReadOnlyList<object?> items, int i) => new()
    {
        ["index"] = (long)(i + 1),
        ["index0"] = (long)i,
        ["revindex"] = (long)(items.Count - i),
        ["revindex0"] = (long)(items.Count - i - 1),
        ["first"] = i == 0,
        ["last"] = i == items.Count - 1,
        ["length"] = (long)items.Count,
        ["previtem"] = i > 0 ? items[i - 1] : Undefined.Value,
        ["nextitem"] = i < items.Count - 1 ? items[i + 1] : Undefined.Value,
        ["depth"] = 1L,
        ["depth0"] = 0L,
        ["cycle"] = (Callable)((args, _) => args.Count == 0 ? throw new JinjaException("loop.cycle() needs arguments.") : args[i % args.Count]),
    };

    /// <summary><c>x.name</c>: a method first, then a key (jinja2's getattr order).</summary>
    public static object? GetAttribute(object? target, string name, string description)
    {
        if (target is Undefined)
            throw new JinjaException($"{description} is undefined, so it has no attribute '{name}'.");
        if (target is Namespace ns)
            return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : Undefined.Value;
        if (Method(target, name) is { } method)
            return method;
        return target is OrderedDictionary<string, object?> dict && dict.TryGetValue(name, out var value) ? value : Undefined.Value;
    }

    /// <summary><c>x[key]</c>: a key or index first, then a method.</summary>
    public static object? GetItem(object? target, object? key, string description)
    {
        switch (target, key)
        {
            case (Undefined, _):
                throw new JinjaException($"{description} is undefined, so it cannot be indexed.");
            case (OrderedDictionary<string, object?> dict, string name):
                return dict.TryGetValue(name, out var value) ? value : (object?)Method(target, name) ?? Undefined.Value;
            case (IList<object?> list, long i):
                var index = i < 0 ? list.Count + i : i;
                return index >= 0 && index < list.Count ? list[(int)index] : Undefined.Value;
            case (string text, long i):
                var runes = text.EnumerateRunes().ToList();
                var position = i < 0 ? runes.Count + i : i;
                return position >= 0 && position < runes.Count ? runes[(int)position].ToString() : Undefined.Value;
            case (Namespace ns, string name):
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : Undefined.Value;
            case (_, string name) when Method(target, name) is { } method:
                return method;
            default:
                return Undefined.Value;
        }
    }

    /// <summary>Python's <c>x[start:stop:step]</c> for lists and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        long? Int(object? v) => v switch { null or Undefined => null, long n => n, _ => throw new JinjaException("slice bounds must be integers.") };
        var items = target switch
        {
            IList<object?> list => list.ToList(),
            string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
            _ => throw new JinjaException($"{Values.TypeName(target)} cannot be sliced."),
        };
        var count = items.Count;
        var by = Int(step) ?? 1;
        if (by == 0)
            throw new JinjaException("slice step cannot be zero.");
        long Clamp(long? bound, long fallback)
        {
            if (bound is not { } b)
                return fallback;
            if (b < 0)
                b += count;
            return by > 0 ? Math.Clamp(b, 0, count) : Math.Clamp(b, -1, count - 1);
        }
        var from = Clamp(Int(start), by > 0 ? 0 : count - 1);
        var to = Clamp(Int(stop), by > 0 ? count : -1);
        var result = new List<object?>();
        for (var i = from; by > 0 ? i < to : i > to; i += by)
            result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    public static object? BinaryOperation(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return Values.AreEqual(left, right);
            case "!=": return !Values.AreEqual(left, right);
            case "<": return Values.Compare(left, right) < 0;
            case "<=": return Values.Compare(left, right) <= 0;
            case ">": return Values.Compare(left, right) > 0;
            case ">=": return Values.Compare(left, right) >= 0;
            case "in": return Contains(right, left);
            case "not in": return !Contains(right, left);
            case "~": return Values.Str(left) + Values.Str(right);
        }
        return (op, left, right) switch
        {
            ("+", string a, string b) => a + b,
            ("+", IList<object?> a, IList<object?> b) => a.Concat(b).ToList(),
            ("*", string a, long n) => string.Concat(Enumerable.Repeat(a, (int)Math.Max(0, n))),
            ("*", IList<object?> a, long n) => Enumerable.Repeat(a, (int)Math.Max(0, n)).SelectMany(x => x).ToList(),
            (_, long a, long b) when op is "+" or "-" or "*" or "//" or "%" or "**" => IntegerOperation(op, a, b),
            (_, long or double or bool, long or double or bool) => FloatOperation(op, Values.ToDouble(left), Values.ToDouble(right)),
            _ => throw new JinjaException($"unsupported operand types for {op}: {Values.TypeName(left)} and {Values.TypeName(right)}."),
        };
    }

    public static object Negate(object? value) => value is long n ? (object)-n : -Values.ToDouble(value);

    private static object IntegerOperation(string op, long a, long b) => op switch
    {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "//" => b == 0 ? throw new JinjaException("integer division by zero.") : (long)Math.Floor((double)a / b),
        "%" => b == 0 ? throw new JinjaException("integer modulo by zero.") : ((a % b) + b) % b,
        _ => b >= 0 ? (object)(long)Math.Pow(a, b) : Math.Pow(a, b),
    };

    private static object FloatOperation(string op, double a, double b) => op switch
    {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => b == 0 ? throw new JinjaException("division by zero.") : a / b,
        "//" => Math.Floor(a / b),
        "%" => a - (b * Math.Floor(a / b)),
        "**" => Math.Pow(a, b),
        _ => throw new JinjaException($"unknown operator {op}."),
    };

    private static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string part => s.Contains(part, StringComparison.Ordinal),
        IList<object?> list => list.Any(x => Values.AreEqual(x, item)),
        OrderedDictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        Undefined => false,
        _ => throw new JinjaException($"'in' needs a string, list or dict on its right, not {Values.TypeName(container)}."),
    };

    public static bool ApplyTest(string name, object? value, IReadOnlyList<object?> arguments)
    {
        object? Argument() => arguments.Count > 0 ? arguments[0] : throw new JinjaException($"test '{name}' needs an argument.");
        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "mapping" => value is OrderedDictionary<string, object?>,
            "iterable" => value is string or IList<object?> or OrderedDictionary<string, object?>,
            "sequence" => value is string or IList<object?> or OrderedDictionary<string, object?>,
            "callable" => value is Callable,
            "odd" => value is long n && n % 2 != 0,
            "even" => value is long m && m % 2 == 0,
            "divisibleby" => value is long d && Argument() is long by && by != 0 && d % by == 0,
            "lower" => value is string lower && lower == lower.ToLowerInvariant(),
            "upper" => value is string upper && upper == upper.ToUpperInvariant(),
            "eq" or "equalto" or "==" => Values.AreEqual(value, Argument()),
            "ne" or "!=" => !Values.AreEqual(value, Argument()),
            "lt" or "lessthan" or "<" => Values.Compare(value, Argument()) < 0,
            "le" or "<=" => Values.Compare(value, Argument()) <= 0,
            "gt" or "greaterthan" or ">" => Values.Compare(value, Argument()) > 0,
            "ge" or ">=" => Values.Compare(value, Argument()) >= 0,
            "in" => Contains(Argument(), value),
            "sameas" => ReferenceEquals(value, Argument()) || (value is null && Argument() is null)
                || (value is bool a && Argument() is bool b && a == b),
            _ => throw new JinjaException($"test '{name}' is not supported."),
        };
    }

    // One arm per filter, under the name templates use: a table to look a filter up in, so it stays one switch.
    public static object? ApplyFilter(string name, object? value, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords)
    {
        object? Argument(int i, string keyword, object? fallback) =>
            i < arguments.Count ? arguments[i] : keywords.TryGetValue(keyword, out var v) ? v : fallback;
        switch (name)
        {
            case "trim":
                return Argument(0, "chars", null) is string chars ? Values.Str(value).Trim(chars.ToCharArray()) : Values.Str(value).Trim();
            case "length" or "count":
                return value switch
                {
                    string s => (long)s.EnumerateRunes().Count(),
                    IList<object?> list => (long)list.Count,
                    OrderedDictionary<string, object?> dict => (long)dict.Count,
                    Undefined => 0L,
                    _ => throw new JinjaException($"{Values.TypeName(value)} has no length."),
                };
            case "upper": return Values.Str(value).ToUpperInvariant();
            case "lower": return Values.Str(value).ToLowerInvariant();
            case "capitalize":
                var text = Values.Str(value);
                return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();
            case "title": return Title(Values.Str(value));
            case "string": return Values.Str(value);
            case "safe": return value;
            case "e" or "escape": return WebUtility.HtmlEncode(Values.Str(value));
            case "int":
                return value switch
                {
                    long n => n,
                    double d => (long)Math.Truncate(d),
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => Argument(0, "default", 0L),
                };
            case "float":
                return value switch
                {
                    long or double or bool => Values.ToDouble(value),
                    string s when double.TryParse(s.Trim(), CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => Argument(0, "default", 0.0),
                };
            case "abs": return value is long n2 ? (object)Math.Abs(n2) : Math.Abs(Values.ToDouble(value));
            case "round":
                var digits = Argument(0, "precision", 0L) as long? ?? 0;
                return Math.Round(Values.ToDouble(value), (int)digits, MidpointRounding.ToEven);
            case "list": return Values.Iterate(value).ToList();
            case "first": return Values.Iterate(value) is { Count: > 0 } firstItems ? firstItems[0] : Undefined.Value;
            case "last": return Values.Iterate(value) is { Count: > 0 } lastItems ? lastItems[^1] : Undefined.Value;
            case "reverse":
                return value is string reversed ? string.Concat(reversed.EnumerateRunes().Reverse()) : Values.Iterate(value).Reverse().ToList();
            case "join":
                var separator = Values.Str(Argument(0, "d", ""));
                var attribute = Argument(1, "attribute", null) as string;
                return string.Join(separator, Values.Iterate(value).Select(item =>
                    Values.Str(attribute is null ? item : GetItem(item, attribute, "an item"))));
            case "default" or "d":
                var useForFalsy = Values.IsTrue(Argument(1, "boolean", false));
                return value is Undefined || (useForFalsy && !Values.IsTrue(value)) ? Argument(0, "default_value", "") : value;
            case "tojson":
                return Values.ToJson(value, Argument(0, "indent", null) as long? is { } indent ? (int)indent : null);
            case "items":
                return value is OrderedDictionary<string, object?> dict2
                    ? dict2.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
                    : value is Undefined ? [] : throw new JinjaException($"{Values.TypeName(value)} has no items.");
            case "dictsort":
                return value is OrderedDictionary<string, object?> dict3
                    ? dict3.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
                    : throw new JinjaException("dictsort needs a dict.");
            case "unique":
                var unique = new List<object?>();
                foreach (var item in Values.Iterate(value))
                    if (!unique.Any(u => Values.AreEqual(u, item)))
                        unique.Add(item);
                return unique;
            case "sort":
                var sortAttribute = Argument(2, "attribute", null) as string;
                var sorted = Values.Iterate(value).ToList();
                sorted.Sort((a, b) => Values.Compare(sortAttribute is null ? a : GetItem(a, sortAttribute, "an item"),
                    sortAttribute is null ? b : GetItem(b, sortAttribute, "an item")));
                if (Values.IsTrue(Argument(0, "reverse", false)))
                    sorted.Reverse();
                return sorted;
            case "map":
                if (keywords.TryGetValue("attribute", out var mapAttribute))
                    return Values.Iterate(value).Select(item => GetItem(item, mapAttribute, "an item")).ToList();
                var filter = Argument(0, "", null) as string ?? throw new JinjaException("map needs a filter name or attribute=.");
                return Values.Iterate(value).Select(item => ApplyFilter(filter, item, arguments.Skip(1).ToList(), NoKeywords)).ToList();
            case "select" or "reject":
                var test = Argument(0, "", "truthy") as string;
                return Values.Iterate(value).Where(item =>
                    (test == "truthy" ? Values.IsTrue(item) : ApplyTest(test!, item, arguments.Skip(1).ToList())) == (name == "select")).ToList();
            case "selectattr" or "rejectattr":
                var key = Argument(0, "", null) as string ?? throw new JinjaException($"{name} needs an attribute name.");
                return Values.Iterate(value).Where(item =>
                {
                    var field = GetItem(item, key, "an item");
                    var passes = arguments.Count > 1 ? ApplyTest(Values.Str(arguments[1]), field, arguments.Skip(2).ToList()) : Values.IsTrue(field);
                    return passes == (name == "selectattr");
                }).ToList();
            case "replace":
                var old = Values.Str(Argument(0, "old", ""));
                var replacement = Values.Str(Argument(1, "new", ""));
                return old.Length == 0 ? Values.Str(value) : Values.Str(value).Replace(old, replacement, StringComparison.Ordinal);
            case "indent":
                var width = Argument(0, "width", 4L) is long w ? new string(' ', (int)w) : Values.Str(Argument(0, "width", ""));
                var indentFirst = Values.IsTrue(Argument(1, "first", false));
                var lines = Values.Str(value).Split('\n');
                return string.Join('\n', lines.Select((line, i) => (i == 0 && !indentFirst) || line.Length == 0 ? line : width + line));
            case "wordcount":
                return (long)Values.Str(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            default:
                throw new JinjaException($"filter '{name}' is not supported.");
        }
    }

    private static string Title(string text)
    {
        var chars = text.ToCharArray();
        var startOfWord = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = startOfWord ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            startOfWord = !char.IsLetterOrDigit(chars[i]);
        }
        return new string(chars);
    }

    /// <summary>The methods of Python's str and dict that templates call, bound to <paramref name="target"/>.</summary>
    private static Callable? Method(object? target, string name)
    {
        static string? Chars(IReadOnlyList<object?> args) => args.Count > 0 && args[0] is string s ? s : null;
        return (target, name) switch
        {
            (string s, "strip") => (args, _) => Chars(args) is { } c ? s.Trim(c.ToCharArray()) : s.Trim(),
            (string s, "lstrip") => (args, _) => Chars(args) is { } c ? s.TrimStart(c.ToCharArray()) : s.TrimStart(),
            (string s, "rstrip") => (args, _) => Chars(args) is { } c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd(),
            (string s, "upper") => (_, _) => s.ToUpperInvariant(),
            (string s, "lower") => (_, _) => s.ToLowerInvariant(),
            (string s, "title") => (_, _) => Title(s),
            (string s, "capitalize") => (_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(),
            (string s, "startswith") => (args, _) => Prefixes(args).Any(p => s.StartsWith(p, StringComparison.Ordinal)),
            (string s, "endswith") => (args, _) => Prefixes(args).Any(p => s.EndsWith(p, StringComparison.Ordinal)),
            (string s, "split") => (args, _) => Split(s, Chars(args), args.Count > 1 && args[1] is long max ? (int)max : -1),
            (string s, "replace") => (args, _) => args.Count >= 2 && Values.Str(args[0]).Length > 0
                ? s.Replace(Values.Str(args[0]), Values.Str(args[1]), StringComparison.Ordinal) : s,
            (string s, "find") => (args, _) => (long)s.IndexOf(Values.Str(args[0]), StringComparison.Ordinal),
            (string s, "count") => (args, _) => (long)CountOccurrences(s, Values.Str(args[0])),
            (string s, "join") => (args, _) => string.Join(s, Values.Iterate(args[0]).Select(Values.Str)),
            (string s, "isdigit") => (_, _) => s.Length > 0 && s.All(char.IsDigit),
            (string s, "isspace") => (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace),
            (OrderedDictionary<string, object?> d, "items") => (_, _) => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
            (OrderedDictionary<string, object?> d, "keys") => (_, _) => d.Keys.Cast<object?>().ToList(),
            (OrderedDictionary<string, object?> d, "values") => (_, _) => d.Values.ToList(),
            (OrderedDictionary<string, object?> d, "get") => (args, _) =>
                args.Count > 0 && args[0] is string key && d.TryGetValue(key, out var v) ? v : args.Count > 1 ? args[1] : null,
            _ => null,
        };
    }

    private static IEnumerable<string> Prefixes(IReadOnlyList<object?> args) => args.Count == 0
        ? throw new JinjaException("startswith/endswith need an argument.")
        : args[0] is IList<object?> options ? options.Select(Values.Str) : [Values.Str(args[0])];

    private static List<object?> Split(string s, string? separator, int maxSplit)
    {
        if (separator is null)
        {
            var words = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return (maxSplit < 0 || words.Length <= maxSplit ? words
                : [.. words[..maxSplit], string.Join(' ', words[maxSplit..])]).Cast<object?>().ToList();
        }
        if (separator.Length == 0)
            throw new JinjaException("empty separator.");
        return (maxSplit < 0 ? s.Split(separator) : s.Split(separator, maxSplit + 1)).Cast<object?>().ToList();
    }

    private static int CountOccurrences(string s, string part)
    {
        if (part.Length == 0)
            return s.Length + 1;
        var count = 0;
        for (var i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string StrftimeNow(string format)
    {
        var now = DateTime.Now;
        return format.Replace("%Y", now.ToString("yyyy", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%m", now.ToString("MM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%d", now.ToString("dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%B", now.ToString("MMMM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%b", now.ToString("MMM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%H", now.ToString("HH", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%M", now.ToString("mm", CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
