using System.CommandLine;
using OnlyPrompt.Cli;
using OnlyPrompt.Lab;

// The experiment trains and samples in this process, so it re-runs itself with libtorch's malloc settings.
if (OnlyPrompt.Model.GlibcMallocTuning.RerunWithSettingsIfNeeded(args) is { } exitCode)
    return exitCode;

var root = new RootCommand("OnlyPrompt lab: the method in this process, without the services") { ExperimentCommand.Create() };
return await CliCommands.InvokeAsync(root, args);
