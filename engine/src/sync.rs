//! A mutex for the engine: std's where there is std, a spin lock where
//! there is not (wasm32 without threads never contends, so it never spins).

#[cfg(feature = "std")]
pub type Lock<T> = std::sync::Mutex<T>;
#[cfg(feature = "std")]
pub type Guard<'a, T> = std::sync::MutexGuard<'a, T>;

/// Takes the value out of a lock nobody else holds.
#[cfg(feature = "std")]
pub fn into_inner<T>(l: Lock<T>) -> T {
    l.into_inner().unwrap_or_else(|p| p.into_inner())
}

#[cfg(feature = "std")]
pub fn lock<T>(l: &Lock<T>) -> Guard<'_, T> {
    l.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(not(feature = "std"))]
mod spin {
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, Ordering};
    /// A spin lock for targets without std (wasm is single-threaded, so it
    /// never spins there).
    #[derive(Debug)]
    pub struct Lock<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }
    // SAFETY: access to `value` is serialized by `locked`.
    unsafe impl<T: Send> Sync for Lock<T> {}
    unsafe impl<T: Send> Send for Lock<T> {}
    impl<T> Lock<T> {
        pub fn new(v: T) -> Self {
            Lock {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(v),
            }
        }
    }
    pub struct Guard<'a, T>(&'a Lock<T>);
    /// Takes the value out of a lock nobody else holds.
    pub fn into_inner<T>(l: Lock<T>) -> T {
        l.value.into_inner()
    }
    pub fn lock<T>(l: &Lock<T>) -> Guard<'_, T> {
        while l
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        Guard(l)
    }
    impl<T> core::ops::Deref for Guard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: the guard holds the lock.
            unsafe { &*self.0.value.get() }
        }
    }
    impl<T> core::ops::DerefMut for Guard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: the guard holds the lock.
            unsafe { &mut *self.0.value.get() }
        }
    }
    impl<T> Drop for Guard<'_, T> {
        fn drop(&mut self) {
            self.0.locked.store(false, Ordering::Release);
        }
    }
}
#[cfg(not(feature = "std"))]
pub use spin::{Guard, Lock, into_inner, lock};
