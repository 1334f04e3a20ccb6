//! Progress on stderr while `mirror` copies (or checks a bundle), on a terminal only (hidden
//! otherwise): images done of all, and bytes sent (or checked).

use super::mirror::human_bytes;
use crate::mirror::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct MirrorProgress {
    bar: ProgressBar,
    sent: AtomicU64,
}

impl MirrorProgress {
    /// `done` says what happens to the bytes: `sent` by a copy, `checked` by `--verify-bundle`.
    pub fn new(images: usize, done: &str) -> Self {
        let bar = ProgressBar::new(images as u64).with_message("0 B");
        let template = format!("{{bar:30}} {{pos}}/{{len}} images, {{msg}} {done}, {{elapsed}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
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
