//! How many requests to one registry may be in flight, and how that number follows the
//! registry's pushback (429).

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many requests may be in flight: `--concurrency`, halved at each 429, and given back one
/// at a time as requests succeed again. Permits held when the registry pushes back are owed,
/// and paid back as they are released.
pub(super) struct Throttle {
    permits: Semaphore,
    allowed: AtomicUsize,
    /// Permits to forget as they come back, rather than release.
    owed: AtomicUsize,
    most: usize,
}

impl Throttle {
    pub(super) fn new(most: usize) -> Self {
        Self { permits: Semaphore::new(most), allowed: AtomicUsize::new(most), owed: AtomicUsize::new(0), most }
    }

    pub(super) async fn acquire(&self) -> SemaphorePermit<'_> {
        self.permits.acquire().await.expect("the semaphore is never closed")
    }

    pub(super) fn release(&self, permit: SemaphorePermit<'_>) {
        if take_one(&self.owed) {
            permit.forget();
        }
    }

    pub(super) fn pushed_back(&self) {
        let cut = self.allowed.load(Ordering::Relaxed) / 2;
        if cut == 0 {
            return;
        }
        self.allowed.fetch_sub(cut, Ordering::Relaxed);
        let forgotten = self.permits.forget_permits(cut);
        self.owed.fetch_add(cut - forgotten, Ordering::Relaxed);
    }

    pub(super) fn eased(&self) {
        let grew = self
            .allowed
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |allowed| (allowed < self.most).then_some(allowed + 1));
        if grew.is_ok() && !take_one(&self.owed) {
            self.permits.add_permits(1);
        }
    }
}

/// Decrements `counter` when it is above zero; true when it did.
fn take_one(counter: &AtomicUsize) -> bool {
    counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pushback_halves_what_may_run_and_success_gives_it_back() {
        let throttle = Throttle::new(8);
        throttle.pushed_back();
        assert_eq!(throttle.allowed.load(Ordering::Relaxed), 4);
        throttle.pushed_back();
        throttle.pushed_back();
        throttle.pushed_back();
        assert_eq!((throttle.allowed.load(Ordering::Relaxed), throttle.permits.available_permits()), (1, 1));
        for _ in 0..10 {
            throttle.eased();
        }
        assert_eq!((throttle.allowed.load(Ordering::Relaxed), throttle.permits.available_permits()), (8, 8));
    }

    #[tokio::test]
    async fn permits_in_flight_when_pushed_back_are_not_given_back() {
        let throttle = Throttle::new(8);
        let mut held = Vec::new();
        for _ in 0..8 {
            held.push(throttle.acquire().await);
        }
        throttle.pushed_back();
        for permit in held {
            throttle.release(permit);
        }
        assert_eq!((throttle.allowed.load(Ordering::Relaxed), throttle.permits.available_permits()), (4, 4));
    }
}
