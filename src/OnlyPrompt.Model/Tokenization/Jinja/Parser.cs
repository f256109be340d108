using System.Globalization;

namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>
/// Parses the Jinja subset that Hugging Face chat templates use, with Jinja's operator precedence (lowest first):
/// conditional, or, and, not, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary minus,
/// then primaries with their attributes, subscripts, calls, filters and tests.
/// </summary>
public sealed class Parser(List<Token> tokens, string source)
{
    private static readonly HashSet<string> Comparisons = ["==", "!=", "<", "<=", ">", ">="];
    private int index;

    private Token Current => tokens[index];

    public List<Statement> ParseTemplate()
    {
        var body = ParseBody(out var end);
        if (end is not null)
            throw Error(end.Position, $"unexpected '{end.Value}' with no block open.");
        return body;
    }

    /// <summary>Statements up to the next block tag that this level does not own (returned in <paramref name="end"/>).</summary>
    private List<Statement> ParseBody(out Token? end, params string[] terminators)
    {
        var body = new List<Statement>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.End:
                    end = null;
                    if (terminators.Length > 0)
                        throw Error(token.Position, "the template ends inside a block; expected " +
                            $"{string.Join(" or ", terminators.Select(t => $"'{{% {t} %}}'"))}.");
                    return body;
                case TokenKind.Text:
                    body.Add(new TextOutput(token.Value, token.Position));
                    index++;
                    break;
                case TokenKind.OutputStart:
                    index++;
                    var value = ParseExpression();
                    Expect(TokenKind.OutputEnd, "'}}'");
                    body.Add(new ExpressionOutput(value, token.Position));
                    break;
                case TokenKind.StatementStart:
                    var keyword = tokens[index + 1];
                    if (keyword.Kind != TokenKind.Name)
                        throw Error(keyword.Position, "expected a statement name after '{%'.");
                    if (terminators.Contains(keyword.Value) || keyword.Value.StartsWith("end", StringComparison.Ordinal)
                        || keyword.Value is "elif" or "else")
                    {
                        if (!terminators.Contains(keyword.Value))
                            throw Error(keyword.Position, terminators.Length == 0
                                ? $"unexpected '{keyword.Value}' with no block open."
                                : $"unexpected '{keyword.Value}'; expected {string.Join(" or ", terminators.Select(t => $"'{t}'"))}.");
                        index += 2;
                        end = keyword;
                        return body;
                    }
                    index += 2;
                    body.Add(ParseStatement(keyword));
                    break;
                default:
                    throw Error(token.Position, $"unexpected '{token.Value}'.");
            }
        }
    }

    private Statement ParseStatement(Token keyword)
    {
        switch (keyword.Value)
        {
            case "if":
                return ParseIf(keyword.Position);
            case "for":
                return ParseFor(keyword.Position);
            case "set":
                return ParseSet(keyword.Position);
            case "macro":
                return ParseMacro(keyword.Position);
            case "filter":
                var name = Expect(TokenKind.Name, "a filter name").Value;
                var arguments = TryOperator("(") ? ParseArguments(out _) : [];
                Expect(TokenKind.StatementEnd, "'%}'");
                var filtered = ParseBody(out _, "endfilter");
                Expect(TokenKind.StatementEnd, "'%}'");
                return new FilterBlock(name, arguments, filtered, keyword.Position);
            case "generation":
                // transformers' AssistantTracker marks the assistant's tokens; the text renders unchanged.
                Expect(TokenKind.StatementEnd, "'%}'");
                var body = ParseBody(out _, "endgeneration");
                Expect(TokenKind.StatementEnd, "'%}'");
                return new If([(new Literal(true, keyword.Position), body)], [], keyword.Position);
            case "break" or "continue":
                Expect(TokenKind.StatementEnd, "'%}'");
                return new LoopControl(keyword.Value == "break", keyword.Position);
            default:
                throw Error(keyword.Position, $"statement '{keyword.Value}' is not supported in chat templates "
                    + "(supported: if, for, set, macro, filter, generation, break, continue).");
        }
    }

    private If ParseIf(Position position)
    {
        var branches = new List<(Expression, IReadOnlyList<Statement>)>();
        var condition = ParseExpression();
        while (true)
        {
            Expect(TokenKind.StatementEnd, "'%}'");
            var body = ParseBody(out var end, "elif", "else", "endif");
            branches.Add((condition, body));
            switch (end!.Value)
            {
                case "elif":
                    condition = ParseExpression();
                    continue;
                case "else":
                    Expect(TokenKind.StatementEnd, "'%}'");
                    var otherwise = ParseBody(out _, "endif");
                    Expect(TokenKind.StatementEnd, "'%}'");
                    return new If(branches, otherwise, position);
                default:
                    Expect(TokenKind.StatementEnd, "'%}'");
                    return new If(branches, [], position);
            }
        }
    }

    private For ParseFor(Position position)
    {
        var targets = new List<string> { Expect(TokenKind.Name, "a loop variable").Value };
        while (TryOperator(","))
            targets.Add(Expect(TokenKind.Name, "a loop variable").Value);
        if (Current is not { Kind: TokenKind.Name, Value: "in" })
            throw Error(Current.Position, "expected 'in' in the for statement.");
        index++;
        var iterable = ParseOr();
        Expression? filter = null;
        if (Current is { Kind: TokenKind.Name, Value: "if" })
        {
            index++;
            filter = ParseOr();
        }
        if (Current is { Kind: TokenKind.Name, Value: "recursive" })
            throw Error(Current.Position, "recursive loops are not supported.");
        Expect(TokenKind.StatementEnd, "'%}'");
        var body = ParseBody(out var end, "else", "endfor");
        IReadOnlyList<Statement> otherwise = [];
        if (end!.Value == "else")
        {
            Expect(TokenKind.StatementEnd, "'%}'");
            otherwise = ParseBody(out _, "endfor");
        }
        Expect(TokenKind.StatementEnd, "'%}'");
        return new For(targets, iterable, filter, body, otherwise, position);
    }

    private Assignment ParseSet(Position position)
    {
        var targets = new List<string> { Expect(TokenKind.Name, "a variable name").Value };
        string? attribute = null;
        if (TryOperator("."))
            attribute = Expect(TokenKind.Name, "an attribute name").Value;
        while (attribute is null && TryOperator(","))
            targets.Add(Expect(TokenKind.Name, "a variable name").Value);
        if (TryOperator("="))
        {
            var value = ParseTupleOrExpression();
            Expect(TokenKind.StatementEnd, "'%}'");
            return new Assignment(targets, attribute, value, null, position);
        }
        if (attribute is not null || targets.Count > 1)
            throw Error(Current.Position, "a block 'set' takes one plain variable name.");
        Expect(TokenKind.StatementEnd, "'%}'");
        var block = ParseBody(out _, "endset");
        Expect(TokenKind.StatementEnd, "'%}'");
        return new Assignment(targets, null, null, block, position);
    }

    private MacroDefinition ParseMacro(Position position)
    {
        var name = Expect(TokenKind.Name, "a macro name").Value;
        ExpectOperator("(");
        var parameters = new List<(string, Expression?)>();
        while (!TryOperator(")"))
        {
            if (parameters.Count > 0)
                ExpectOperator(",");
            var parameter = Expect(TokenKind.Name, "a parameter name").Value;
            parameters.Add((parameter, TryOperator("=") ? ParseExpression() : null));
        }
        Expect(TokenKind.StatementEnd, "'%}'");
        var body = ParseBody(out _, "endmacro");
        Expect(TokenKind.StatementEnd, "'%}'");
        return new MacroDefinition(name, parameters, body, position);
    }

    private Expression ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (Current is not { Kind: TokenKind.Operator, Value: "," })
            return first;
        var items = new List<Expression> { first };
        while (TryOperator(","))
            items.Add(ParseExpression());
        return new TupleLiteral(items, first.Position);
    }

    public Expression ParseExpression()
    {
        var value = ParseOr();
        if (Current is not { Kind: TokenKind.Name, Value: "if" })
            return value;
        index++;
        var condition = ParseOr();
        Expression? otherwise = null;
        if (Current is { Kind: TokenKind.Name, Value: "else" })
        {
            index++;
            otherwise = ParseExpression();
        }
        return new Conditional(condition, value, otherwise, value.Position);
    }

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (TryKeyword("or"))
            left = new Binary("or", left, ParseAnd(), left.Position);
        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (TryKeyword("and"))
            left = new Binary("and", left, ParseNot(), left.Position);
        return left;
    }

    private Expression ParseNot()
    {
        var position = Current.Position;
        return TryKeyword("not") ? new Unary("not", ParseNot(), position) : ParseComparison();
    }

    private Expression ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && Comparisons.Contains(Current.Value))
            {
                var op = Current.Value;
                index++;
                left = new Binary(op, left, ParseAdditive(), left.Position);
            }
            else if (TryKeyword("in"))
                left = new Binary("in", left, ParseAdditive(), left.Position);
            else if (Current is { Kind: TokenKind.Name, Value: "not" } && tokens[index + 1] is { Kind: TokenKind.Name, Value: "in" })
            {
                index += 2;
                left = new Binary("not in", left, ParseAdditive(), left.Position);
            }
            else
                return left;
        }
    }

    private Expression ParseAdditive() => ParseLeftAssociative(ParseConcatenation, "+", "-");

    private Expression ParseConcatenation() => ParseLeftAssociative(ParseMultiplicative, "~");

    private Expression ParseMultiplicative() => ParseLeftAssociative(ParsePower, "*", "/", "//", "%");

    private Expression ParsePower() => ParseLeftAssociative(() => ParseUnary(), "**");

    private Expression ParseLeftAssociative(Func<Expression> operand, params string[] operators)
    {
        var left = operand();
        while (Current.Kind == TokenKind.Operator && operators.Contains(Current.Value))
        {
            var op = Current.Value;
            index++;
            left = new Binary(op, left, operand(), left.Position);
        }
        return left;
    }

    // As in jinja2, filters and tests apply to the signed value: -3|abs is 3.
    private Expression ParseUnary(bool withFilters = true)
    {
        var position = Current.Position;
        Expression value = TryOperator("-") ? new Unary("-", ParseUnary(withFilters: false), position)
            : TryOperator("+") ? ParseUnary(withFilters: false)
            : ParsePostfix(ParsePrimary());
        return withFilters ? ParseFiltersAndTests(value) : value;
    }

    // One case per primary form of the grammar (literal, name, list, tuple, dict, parenthesised expression).
    private Expression ParsePrimary()
    {
        var token = Current;
        index++;
        switch (token.Kind)
        {
            case TokenKind.String:
                var text = token.Value;
                while (Current.Kind == TokenKind.String) // adjacent literals concatenate, as in Python
                    text += tokens[index++].Value;
                return new Literal(text, token.Position);
            case TokenKind.Integer:
                return new Literal(long.Parse(token.Value, CultureInfo.InvariantCulture), token.Position);
            case TokenKind.Float:
                return new Literal(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Position);
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new Literal(true, token.Position),
                    "false" or "False" => new Literal(false, token.Position),
                    "none" or "None" => new Literal(null, token.Position),
                    _ => new NameReference(token.Value, token.Position),
                };
            case TokenKind.Operator when token.Value == "(":
                if (TryOperator(")"))
                    return new TupleLiteral([], token.Position);
                var inner = ParseExpression();
                if (Current is { Kind: TokenKind.Operator, Value: "," })
                {
                    var items = new List<Expression> { inner };
                    while (TryOperator(",") && Current is not { Kind: TokenKind.Operator, Value: ")" })
                        items.Add(ParseExpression());
                    inner = new TupleLiteral(items, token.Position);
                }
                ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                var list = new List<Expression>();
                while (!TryOperator("]"))
                {
                    if (list.Count > 0)
                    {
                        ExpectOperator(",");
                        if (TryOperator("]"))
                            break;
                    }
                    list.Add(ParseExpression());
                }
                return new ListLiteral(list, token.Position);
            case TokenKind.Operator when token.Value == "{":
                var pairs = new List<(Expression, Expression)>();
                while (!TryOperator("}"))
                {
                    if (pairs.Count > 0)
                    {
                        ExpectOperator(",");
                        if (TryOperator("}"))
                            break;
                    }
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                }
                return new DictLiteral(pairs, token.Position);
            default:
                throw Error(token.Position, token.Kind is TokenKind.OutputEnd or TokenKind.StatementEnd or TokenKind.End
                    ? "expected an expression." : $"unexpected '{token.Value}' where an expression should be.");
        }
    }

    private Expression ParsePostfix(Expression target)
    {
        while (true)
        {
            var position = Current.Position;
            if (TryOperator("."))
            {
                var name = Current.Kind is TokenKind.Name or TokenKind.Integer ? tokens[index++].Value
                    : throw Error(Current.Position, "expected an attribute name after '.'.");
                target = long.TryParse(name, CultureInfo.InvariantCulture, out var number)
                    ? new Subscript(target, new Literal(number, position), position)
                    : new Attribute(target, name, position);
            }
            else if (TryOperator("["))
                target = ParseSubscript(target, position);
            else if (TryOperator("("))
            {
                var arguments = ParseArguments(out var keywords);
                target = new Call(target, arguments, keywords, position);
            }
            else
                return target;
        }
    }

    private Expression ParseSubscript(Expression target, Position position)
    {
        Expression? start = null, stop = null, step = null;
        if (Current is not { Kind: TokenKind.Operator, Value: ":" })
            start = ParseExpression();
        if (!TryOperator(":"))
        {
            ExpectOperator("]");
            return new Subscript(target, start!, position);
        }
        if (Current is not { Kind: TokenKind.Operator, Value: ":" or "]" })
            stop = ParseExpression();
        if (TryOperator(":") && Current is not { Kind: TokenKind.Operator, Value: "]" })
            step = ParseExpression();
        ExpectOperator("]");
        return new Slice(target, start, stop, step, position);
    }

    /// <summary>Call arguments after the opening parenthesis, through the closing one.</summary>
    private List<Expression> ParseArguments(out List<(string, Expression)> keywords)
    {
        var arguments = new List<Expression>();
        keywords = [];
        while (!TryOperator(")"))
        {
            if (arguments.Count + keywords.Count > 0)
            {
                ExpectOperator(",");
                if (TryOperator(")"))
                    break;
            }
            if (Current.Kind == TokenKind.Name && tokens[index + 1] is { Kind: TokenKind.Operator, Value: "=" })
            {
                var name = Current.Value;
                index += 2;
                keywords.Add((name, ParseExpression()));
            }
            else
                arguments.Add(ParseExpression());
        }
        return arguments;
    }

    private Expression ParseFiltersAndTests(Expression target)
    {
        while (true)
        {
            var position = Current.Position;
            if (TryOperator("|"))
            {
                var name = Expect(TokenKind.Name, "a filter name").Value;
                List<(string, Expression)> keywords = [];
                var arguments = TryOperator("(") ? ParseArguments(out keywords) : [];
                target = new FilterApplication(target, name, arguments, keywords, position);
            }
            else if (TryKeyword("is"))
            {
                var negated = TryKeyword("not");
                var name = Current.Kind == TokenKind.Name ? tokens[index++].Value
                    : Current is { Kind: TokenKind.Operator, Value: "==" or "!=" or "<" or ">" or "<=" or ">=" } ? tokens[index++].Value
                    : throw Error(Current.Position, "expected a test name after 'is'.");
                List<Expression> arguments = [];
                if (TryOperator("("))
                    arguments = ParseArguments(out _);
                else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
                    || (Current.Kind == TokenKind.Name && Current.Value is not ("and" or "or" or "else" or "if" or "is" or "in" or "not")))
                    arguments = [ParsePostfix(ParsePrimary())];
                target = new TestApplication(target, name, negated, arguments, position);
            }
            else
                return target;
        }
    }

    private bool TryOperator(string op)
    {
        if (Current.Kind != TokenKind.Operator || Current.Value != op)
            return false;
        index++;
        return true;
    }

    private bool TryKeyword(string keyword)
    {
        if (Current.Kind != TokenKind.Name || Current.Value != keyword)
            return false;
        index++;
        return true;
    }

    private void ExpectOperator(string op)
    {
        if (!TryOperator(op))
            throw Error(Current.Position, $"expected '{op}'{Found()}.");
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
            throw Error(Current.Position, $"expected {what}{Found()}.");
        return tokens[index++];
    }

    private string Found() => Current.Kind switch
    {
        TokenKind.End => " but the template ended",
        TokenKind.OutputEnd => " but found '}}'",
        TokenKind.StatementEnd => " but found '%}'",
        _ => $" but found '{Current.Value}'",
    };

    private JinjaException Error(Position position, string message) => JinjaException.At(source, position, message);
}
