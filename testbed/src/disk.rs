//! A small disk: a tmpfs of a fixed size mounted on a temporary folder, for what a run does
//! when the disk fills up under it. Mounting needs root (CAP_SYS_ADMIN); the mount goes when
//! the handle is dropped, a panicking test included.

use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

pub struct SmallDisk {
    dir: TempDir,
}

impl SmallDisk {
    /// `mount -t tmpfs -o size=SIZE tmpfs DIR` on a new temporary folder (`size` as mount
    /// reads it: `8m`). Err says why it could not be mounted (not root, say).
    pub fn mount(size: &str) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("run mount: {e}"))?;
        if !output.status.success() {
            return Err(format!("mount -t tmpfs failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        Ok(SmallDisk { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Bytes still free on the disk.
    pub fn free(&self) -> u64 {
        let output = Command::new("df").args(["--output=avail", "-B1"]).arg(self.path()).output().expect("run df");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines().nth(1).and_then(|l| l.trim().parse().ok()).expect("df's answer")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let unmounted = Command::new("umount").arg(self.dir.path()).status().is_ok_and(|s| s.success());
        if !unmounted {
            // Something still holds a file there: detach it now, it goes when released.
            let _ = Command::new("umount").arg("--lazy").arg(self.dir.path()).status();
        }
    }
}
