//! Just enough ELF reading to list a binary's `DT_NEEDED` shared libraries
//! (which libLLVM bpf-linker was linked against), without external tools.

use std::{fs, path::Path};

use anyhow::{Context as _, Result};

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;

/// The `DT_NEEDED` entries of a 64-bit little-endian ELF file; empty for a
/// static binary.
pub fn needed_libraries(path: &Path) -> Result<Vec<String>> {
    let data = fs::read(path).with_context(|| format!("read {}", path.display()))?;
    parse_needed(&data).with_context(|| format!("{} is not a 64-bit little-endian ELF file", path.display()))
}

struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

fn parse_needed(data: &[u8]) -> Option<Vec<String>> {
    if data.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let phoff = u64_at(data, 0x20)?;
    let (entsize, count) = (u16_at(data, 0x36)?, u16_at(data, 0x38)?);
    let segments = (0..u64::from(count))
        .map(|i| {
            let at = usize::try_from(phoff + i * u64::from(entsize)).ok()?;
            let kind = u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?);
            Some(Segment {
                kind,
                offset: u64_at(data, at + 8)?,
                vaddr: u64_at(data, at + 16)?,
                filesz: u64_at(data, at + 32)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let Some(dynamic) = segments.iter().find(|s| s.kind == PT_DYNAMIC) else {
        return Some(Vec::new());
    };
    let (start, len) = (usize::try_from(dynamic.offset).ok()?, usize::try_from(dynamic.filesz).ok()?);
    let (mut strtab, mut needed) = (None, Vec::new());
    for entry in data.get(start..start.checked_add(len)?)?.chunks_exact(16) {
        let (tag, value) = (u64_at(entry, 0)?, u64_at(entry, 8)?);
        match tag {
            DT_NULL => break,
            DT_NEEDED => needed.push(value),
            DT_STRTAB => strtab = Some(value),
            _ => {}
        }
    }
    // DT_STRTAB is a virtual address: map it through the PT_LOAD segments.
    let strtab = strtab?;
    let load = segments.iter().find(|s| s.kind == PT_LOAD && (s.vaddr..s.vaddr + s.filesz).contains(&strtab))?;
    let strtab = strtab - load.vaddr + load.offset;
    needed.into_iter().map(|name| c_str_at(data, usize::try_from(strtab + name).ok()?)).collect()
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn c_str_at(data: &[u8], at: usize) -> Option<String> {
    let bytes = data.get(at..)?;
    let end = bytes.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_executable_needs_libc() {
        let needed = needed_libraries(Path::new("/proc/self/exe")).unwrap();
        assert!(needed.iter().any(|lib| lib.starts_with("libc.so")), "{needed:?}");
    }

    #[test]
    fn rejects_non_elf() {
        assert!(parse_needed(b"#!/bin/sh\necho hi\n").is_none());
    }
}
