// The services share two CPU cores and fixed loopback ports per fixture: run the collections one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
