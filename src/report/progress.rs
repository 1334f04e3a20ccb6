//! Progress on stderr while `mirror` copies, on a terminal only (hidden otherwise): images done
//! of all, and bytes sent.

use super::mirror::human_bytes;
use crate::mirror::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct MirrorProgress {
    bar: ProgressBar,
    sent: AtomicU64,
}

impl MirrorProgress {
    pub fn new(images: usize) -> Self {
        let bar = ProgressBar::new(images as u64).with_message("0 B");
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} images, {msg} sent, {elapsed}") {
            bar.set_style(style);
        }
        Self { bar, sent: AtomicU64::new(0) }
    }

    /// Clears the bar, so the report is printed on a clean screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for MirrorProgress {
    fn bytes(&self, count: u64) {
        let total = self.sent.fetch_add(count, Ordering::Relaxed) + count;
        self.bar.set_message(human_bytes(total));
    }

    fn image_done(&self) {
        self.bar.inc(1);
    }
}
