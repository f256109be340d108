namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>The syntax tree of a template: statements that write output, over expressions that compute values.</summary>
public abstract record Node(Position Position);

public abstract record Expression(Position Position) : Node(Position);

public sealed record Literal(object? Value, Position Position) : Expression(Position);
public sealed record NameReference(string Name, Position Position) : Expression(Position);
public sealed record ListLiteral(IReadOnlyList<Expression> Items, Position Position) : Expression(Position);
public sealed record TupleLiteral(IReadOnlyList<Expression> Items, Position Position) : Expression(Position);
public sealed record DictLiteral(IReadOnlyList<(Expression Key, Expression Value)> Items, Position Position) : Expression(Position);
public sealed record Attribute(Expression Target, string Name, Position Position) : Expression(Position);
public sealed record Subscript(Expression Target, Expression Index, Position Position) : Expression(Position);
public sealed record Slice(Expression Target, Expression? Start, Expression? Stop, Expression? Step, Position Position) : Expression(Position);
public sealed record Call(Expression Callee, IReadOnlyList<Expression> Arguments,
    IReadOnlyList<(string Name, Expression Value)> Keywords, Position Position)
    : Expression(Position);
public sealed record FilterApplication(Expression Target, string Name, IReadOnlyList<Expression> Arguments,
    IReadOnlyList<(string Name, Expression Value)> Keywords, Position Position) : Expression(Position);
public sealed record TestApplication(Expression Target, string Name, bool Negated, IReadOnlyList<Expression> Arguments, Position Position)
    : Expression(Position);
public sealed record Unary(string Operator, Expression Operand, Position Position) : Expression(Position);
public sealed record Binary(string Operator, Expression Left, Expression Right, Position Position) : Expression(Position);
public sealed record Conditional(Expression Condition, Expression Then, Expression? Else, Position Position) : Expression(Position);

public abstract record Statement(Position Position) : Node(Position);

public sealed record TextOutput(string Text, Position Position) : Statement(Position);
public sealed record ExpressionOutput(Expression Value, Position Position) : Statement(Position);
public sealed record If(IReadOnlyList<(Expression Condition, IReadOnlyList<Statement> Body)> Branches,
    IReadOnlyList<Statement> Else, Position Position)
    : Statement(Position);
public sealed record For(IReadOnlyList<string> Targets, Expression Iterable, Expression? Filter, IReadOnlyList<Statement> Body,
    IReadOnlyList<Statement> Else, Position Position) : Statement(Position);
/// <summary>
/// <c>set</c> of names, of one namespace attribute (<see cref="Attribute"/> not null), or of a captured block (<see cref="Block"/>).
/// </summary>
public sealed record Assignment(IReadOnlyList<string> Targets, string? Attribute, Expression? Value,
    IReadOnlyList<Statement>? Block, Position Position)
    : Statement(Position);
public sealed record MacroDefinition(string Name, IReadOnlyList<(string Name, Expression? Default)> Parameters,
    IReadOnlyList<Statement> Body, Position Position)
    : Statement(Position);
public sealed record FilterBlock(string Name, IReadOnlyList<Expression> Arguments, IReadOnlyList<Statement> Body,
    Position Position) : Statement(Position);
public sealed record LoopControl(bool IsBreak, Position Position) : Statement(Position);
