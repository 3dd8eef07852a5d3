#ifndef WORKCELL_ALLOCATION_COUNTING_H
#define WORKCELL_ALLOCATION_COUNTING_H

/// Counting of heap allocations per thread, for tests that prove a hot path allocates nothing.
/// The test bundle's own malloc, calloc, realloc and posix_memalign (which the C library's and the
/// Swift runtime's calls resolve to, the executable's definitions coming first) count the calls
/// made on a thread that is counting and forward every call to glibc's allocator.

/// Starts counting this thread's allocations from zero.
void workcell_allocations_start(void);
/// Stops counting this thread's allocations; returns how many there were since the start.
long workcell_allocations_stop(void);
/// 1 when this process's malloc is the counting one (the interposition took effect).
int workcell_allocations_interposed(void);

#endif
