using System.Text;

namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>
/// Runs a parsed template. Scopes follow Jinja: a <c>for</c> loop and a macro call get their own, so a <c>set</c> inside
/// them is not seen after them (templates use a namespace for that); <c>if</c> shares its enclosing scope.
/// </summary>
public sealed class Interpreter(string source)
{
    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> variables = new(StringComparer.Ordinal);

        private Scope? Parent => parent;

        public bool TryGet(string name, out object? value)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
                if (scope.variables.TryGetValue(name, out value))
                    return true;
            value = null;
            return false;
        }

        public void Set(string name, object? value) => variables[name] = value;
    }

    private sealed class LoopSignal(bool isBreak) : Exception
    {
        public bool IsBreak { get; } = isBreak;
    }

    public string Render(IReadOnlyList<Statement> template, IReadOnlyDictionary<string, object?> context)
    {
        var globals = new Scope(null);
        foreach (var (name, value) in Builtins.Globals)
            globals.Set(name, value);
        var scope = new Scope(globals);
        foreach (var (name, value) in context)
            scope.Set(name, Values.FromClr(value));
        var output = new StringBuilder();
        Execute(template, scope, output);
        return output.ToString();
    }

    private void Execute(IReadOnlyList<Statement> statements, Scope scope, StringBuilder output)
    {
        foreach (var statement in statements)
            Execute(statement, scope, output);
    }

    private void Execute(Statement statement, Scope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextOutput text:
                output.Append(text.Text);
                break;
            case ExpressionOutput print:
                output.Append(Values.Str(Evaluate(print.Value, scope)));
                break;
            case If conditional:
                foreach (var (condition, body) in conditional.Branches)
                    if (Values.IsTrue(Evaluate(condition, scope)))
                    {
                        Execute(body, scope, output);
                        return;
                    }
                Execute(conditional.Else, scope, output);
                break;
            case For loop:
                ExecuteFor(loop, scope, output);
                break;
            case Assignment assignment:
                Assign(assignment, scope);
                break;
            case MacroDefinition macro:
                scope.Set(macro.Name, DefineMacro(macro, scope));
                break;
            case FilterBlock block:
                var captured = new StringBuilder();
                Execute(block.Body, scope, captured);
                var arguments = block.Arguments.Select(a => Evaluate(a, scope)).ToList();
                output.Append(Values.Str(Guard(block.Position, () =>
                    Builtins.ApplyFilter(block.Name, captured.ToString(), arguments, Builtins.NoKeywords))));
                break;
            case LoopControl control:
                throw new LoopSignal(control.IsBreak);
        }
    }

    private void ExecuteFor(For loop, Scope scope, StringBuilder output)
    {
        var items = Guard(loop.Iterable.Position, () => Values.Iterate(Evaluate(loop.Iterable, scope)));
        var loopScope = new Scope(scope);
        if (loop.Filter is not null)
            items = items.Where(item =>
            {
                Bind(loop.Targets, item, loopScope, loop.Position);
                return Values.IsTrue(Evaluate(loop.Filter, loopScope));
            }).ToList();
        for (var i = 0; i < items.Count; i++)
        {
            Bind(loop.Targets, items[i], loopScope, loop.Position);
            loopScope.Set("loop", Builtins.LoopObject(items, i));
            try
            {
                Execute(loop.Body, loopScope, output);
            }
            catch (LoopSignal signal)
            {
                if (signal.IsBreak)
                    break;
            }
        }
        if (items.Count == 0)
            Execute(loop.Else, scope, output);
    }

    private void Bind(IReadOnlyList<string> targets, object? value, Scope scope, Position position)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], value);
            return;
        }
        var parts = value as IList<object?>;
        if (parts is null || parts.Count != targets.Count)
            throw JinjaException.At(source, position, $"cannot unpack {Values.TypeName(value)} into {targets.Count} names.");
        for (var i = 0; i < targets.Count; i++)
            scope.Set(targets[i], parts[i]);
    }

    private void Assign(Assignment assignment, Scope scope)
    {
        object? value;
        if (assignment.Block is not null)
        {
            var captured = new StringBuilder();
            Execute(assignment.Block, scope, captured);
            value = captured.ToString();
        }
        else
            value = Evaluate(assignment.Value!, scope);
        if (assignment.Attribute is { } attribute)
        {
            if (!scope.TryGet(assignment.Targets[0], out var target) || target is not Namespace ns)
                throw JinjaException.At(source, assignment.Position,
                    $"'{assignment.Targets[0]}' is not a namespace, so '{attribute}' cannot be set on it.");
            ns.Attributes[attribute] = value;
            return;
        }
        Bind(assignment.Targets, value, scope, assignment.Position);
    }

    private Callable DefineMacro(MacroDefinition macro, Scope definedIn) => (arguments, keywords) =>
    {
        var scope = new Scope(definedIn);
        for (var i = 0; i < macro.Parameters.Count; i++)
        {
            var (name, fallback) = macro.Parameters[i];
            var value = i < arguments.Count ? arguments[i]
                : keywords.TryGetValue(name, out var given) ? given
                : fallback is not null ? Evaluate(fallback, scope) : Undefined.Value;
            scope.Set(name, value);
        }
        var output = new StringBuilder();
        Execute(macro.Body, scope, output);
        return output.ToString();
    };

    private object? Evaluate(Expression expression, Scope scope) => Guard(expression.Position, () => expression switch
    {
        Literal literal => literal.Value,
        NameReference name => scope.TryGet(name.Name, out var value) ? value : Undefined.Value,
        ListLiteral list => list.Items.Select(i => Evaluate(i, scope)).ToList(),
        TupleLiteral tuple => tuple.Items.Select(i => Evaluate(i, scope)).ToList(),
        DictLiteral dict => new OrderedDictionary<string, object?>(dict.Items.Select(p =>
            KeyValuePair.Create(Evaluate(p.Key, scope) as string ?? throw new JinjaException("dict keys must be strings."),
                Evaluate(p.Value, scope)))),
        Attribute attribute => Builtins.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name, DescribeTarget(attribute.Target)),
        Subscript subscript => Builtins.GetItem(Evaluate(subscript.Target, scope), Evaluate(subscript.Index, scope),
            DescribeTarget(subscript.Target)),
        Slice slice => Builtins.Slice(Evaluate(slice.Target, scope), Optional(slice.Start, scope), Optional(slice.Stop, scope),
            Optional(slice.Step, scope)),
        Call call => Invoke(call, scope),
        FilterApplication filter => Builtins.ApplyFilter(filter.Name, Evaluate(filter.Target, scope),
            filter.Arguments.Select(a => Evaluate(a, scope)).ToList(), filter.Keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope))),
        TestApplication test => Builtins.ApplyTest(test.Name, Evaluate(test.Target, scope), test.Arguments.Select(a => Evaluate(a, scope)).ToList())
            != test.Negated,
        Unary { Operator: "not" } not => !Values.IsTrue(Evaluate(not.Operand, scope)),
        Unary negation => Builtins.Negate(Evaluate(negation.Operand, scope)),
        Binary { Operator: "and" } and => Evaluate(and.Left, scope) is var left && !Values.IsTrue(left) ? left : Evaluate(and.Right, scope),
        Binary { Operator: "or" } or => Evaluate(or.Left, scope) is var left && Values.IsTrue(left) ? left : Evaluate(or.Right, scope),
        Binary binary => Builtins.BinaryOperation(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope)),
        Conditional conditional => Values.IsTrue(Evaluate(conditional.Condition, scope))
            ? Evaluate(conditional.Then, scope) : conditional.Else is null ? Undefined.Value : Evaluate(conditional.Else, scope),
        _ => throw new JinjaException($"cannot evaluate {expression.GetType().Name}."),
    });

    private object? Optional(Expression? expression, Scope scope) => expression is null ? null : Evaluate(expression, scope);

    private object? Invoke(Call call, Scope scope)
    {
        var callee = Evaluate(call.Callee, scope);
        if (callee is not Callable function)
            throw new JinjaException($"{DescribeTarget(call.Callee)} is {Values.TypeName(callee)}, which cannot be called.");
        return function(call.Arguments.Select(a => Evaluate(a, scope)).ToList(),
            call.Keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope)));
    }

    private static string DescribeTarget(Expression expression) => expression switch
    {
        NameReference name => $"'{name.Name}'",
        Attribute attribute => $"{DescribeTarget(attribute.Target)[..^1]}.{attribute.Name}'",
        _ => "the value",
    };

    // Errors from the builtins get the template's name and the expression's position; the template's own raise passes as it is.
    private T Guard<T>(Position position, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (JinjaException e) when (e is not TemplateRaisedException && !e.Message.StartsWith(source + ", line", StringComparison.Ordinal))
        {
            throw JinjaException.At(source, position, e.Message);
        }
    }
}
