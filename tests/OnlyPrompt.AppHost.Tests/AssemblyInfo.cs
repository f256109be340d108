// One AppHost at a time. With two started at once in one test process, one start hung until the test's 12-minute
// timeout in one of five CI runs of 2026-12-02 (cause not found; the two starts share the machine's 2 cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
