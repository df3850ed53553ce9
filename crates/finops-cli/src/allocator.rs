//! glibc's allocator tuned for the query engine's large, short-lived Arrow buffers.
//!
//! By default glibc keeps up to 8 arenas per core and, once a large buffer is freed, raises the size
//! from which it maps buffers on their own up to 32 MiB, so the buffers of finished queries stay in
//! the heap instead of going back to the system: analyzing 10 million calls peaked at 2.1-2.3 GB.
//! With one arena per core and every buffer of 4 MiB or more mapped on its own (returned when freed)
//! the peak is 1.6-1.7 GB, with less CPU time (BENCHMARKS.md, "Scale"). A glibc variable the user sets
//! (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`) is left to win. Other platforms keep their defaults.

/// Applies the settings; called first thing in `main`, before any other thread starts.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let set = |variable: &str, param: libc::c_int, value: usize| {
            if std::env::var_os(variable).is_none() {
                let value = libc::c_int::try_from(value).unwrap_or(libc::c_int::MAX);
                // SAFETY: `mallopt` only changes allocator parameters and is called before any other
                // thread allocates; a refused value leaves glibc's default (the return value says so,
                // and the default is correct, only larger).
                unsafe { libc::mallopt(param, value) };
            }
        };
        set("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, cores);
        set("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
