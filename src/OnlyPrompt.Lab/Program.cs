using System.CommandLine;
using OnlyPrompt.Cli;
using OnlyPrompt.Lab;

// The services train and sample in this process, so it re-runs itself with libtorch's allocator settings (MallocTuning).
if (OnlyPrompt.NativeMemory.MallocTuning.RerunWithSettingsIfNeeded(args) is { } exitCode)
    return exitCode;

var root = new RootCommand("OnlyPrompt lab: the services in this process (no AppHost), and experiments through them") { ExperimentCommand.Create() };
return await CliCommands.InvokeAsync(root, args);
