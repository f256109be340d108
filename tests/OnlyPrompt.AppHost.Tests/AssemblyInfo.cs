// One AppHost at a time: two started at once in one test process contended, and one start hung for 12 minutes in
// one of five CI runs of 2026-12-02.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
