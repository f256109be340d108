using System.Collections.Concurrent;
using System.Threading.Channels;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>Live events of the runs this process drives, fanned out to every watcher.</summary>
public sealed class RunEventHub
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<RunEvent>, bool>> watchers = new();

    public void Publish(RunEvent runEvent)
    {
        if (!watchers.TryGetValue(runEvent.RunId, out var channels))
            return;
        foreach (var channel in channels.Keys)
            channel.Writer.TryWrite(runEvent);
    }

    /// <summary>Subscribes before the caller reads the manifest, so no event falls between the two.</summary>
    public Subscription Subscribe(string runId)
    {
        // Progress events may be dropped for a slow watcher; commits and the end are never dropped (they are re-read from the manifest).
        var channel = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        watchers.GetOrAdd(runId, _ => new())[channel] = true;
        return new Subscription(channel.Reader, () =>
        {
            if (watchers.TryGetValue(runId, out var channels))
                channels.TryRemove(channel, out _);
        });
    }

    public sealed class Subscription(ChannelReader<RunEvent> reader, Action unsubscribe) : IDisposable
    {
        public ChannelReader<RunEvent> Reader => reader;

        public void Dispose() => unsubscribe();
    }
}
