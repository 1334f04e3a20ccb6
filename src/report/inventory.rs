//! The output of `inventory`: the document itself for a program (`-o json|yaml`, the file to
//! carry out of the gap), and a summary for a person.

use super::Report;
use super::mirror::human_bytes;
use crate::inventory::Inventory;
use serde::Serialize;
use std::io::{self, Write};

impl Report for Inventory {
    fn document(&self) -> impl Serialize + '_ {
        self
    }

    fn write_table(&self, _color: bool, out: &mut dyn Write) -> io::Result<()> {
        let (repositories, manifests, blobs, bytes) = self.totals();
        writeln!(
            out,
            "{} holds {manifests} manifests and {blobs} blobs ({}) of these inputs, in {repositories} repositories.",
            self.registry,
            human_bytes(bytes)
        )?;
        if !self.missing.is_empty() {
            writeln!(out, "Not there ({}): {}", self.missing.len(), self.missing.join(", "))?;
        }
        if !self.lost.is_empty() {
            writeln!(
                out,
                "Blobs a manifest names that the registry lacks ({}), left out of the inventory so that a delta \
                 carries them: {}",
                self.lost.len(),
                self.lost.join(", ")
            )?;
        }
        writeln!(out, "Write it to a file to carry out of the air gap: -o yaml > inventory.yaml")
    }
}
