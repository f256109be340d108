namespace OnlyPrompt.TestSupport;

/// <summary>The repository's root, found from the test assembly's folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The npm packages the tests compare against (installed by test.sh's <c>npm ci</c>).</summary>
    public static string NodeModules => System.IO.Path.Combine(Root, "node_modules");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "OnlyPrompt.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (OnlyPrompt.sln) above " + AppContext.BaseDirectory);
    }
}
