using OnlyPrompt.Cli;

// The commands handle Ctrl+C themselves (a watch stops watching, an experiment stops between steps).
return await CliCommands.Root().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null });
