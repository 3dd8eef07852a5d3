#include "AllocationCounting.h"

#include <stddef.h>

// glibc's allocator under its own names: what the functions below forward to.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static __thread int counting = 0;
static __thread long allocations = 0;
static int interposed = 0;

static inline void counted(void) {
  interposed = 1;
  if (counting) allocations += 1;
}

void *malloc(size_t size) {
  counted();
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  counted();
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  counted();
  return __libc_realloc(pointer, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  counted();
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL) return 12;  // ENOMEM
  *out = pointer;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
  counted();
  return __libc_memalign(alignment, size);
}

void workcell_allocations_start(void) {
  allocations = 0;
  counting = 1;
}

long workcell_allocations_stop(void) {
  counting = 0;
  return allocations;
}

int workcell_allocations_interposed(void) { return interposed; }
