"""The case report (`synthtrace report`): what a prosecutor reads, in HTML or PDF, with charts."""
