//! Overflow chains: values too large to live in their leaf.
//!
//! A value whose leaf cell would exceed [`super::MAX_INLINE_CELL`] is stored
//! whole in a chain of overflow pages and the leaf keeps its length and the
//! first page number. Overflow page layout:
//!
//! ```text
//! offset  size  field
//!      0    16  page header: type Overflow, count = bytes of value data in
//!               this page, link = next page of the chain (0 = last)
//!     16   ...  value data (up to usable - 16 bytes)
//! ```

use alloc::vec::Vec;

use crate::storage::page::{PAGE_HEADER_SIZE, PageHeader, PageNo, PageType, set_count, set_link};
use crate::storage::pager::Pager;
use crate::{Result, err};

/// Writes `value` to a new chain and returns its first page.
pub(crate) fn write_chain(pager: &mut Pager, usable: usize, value: &[u8]) -> Result<PageNo> {
    let per_page = usable - PAGE_HEADER_SIZE;
    let chunks: Vec<&[u8]> = value.chunks(per_page).collect();
    // Allocate back to front so each page can name its successor at once.
    let mut next = 0;
    for chunk in chunks.iter().rev() {
        let no = pager.allocate(PageType::Overflow)?;
        let page = pager.write(no)?;
        page[PAGE_HEADER_SIZE..PAGE_HEADER_SIZE + chunk.len()].copy_from_slice(chunk);
        set_count(page, chunk.len() as u16);
        set_link(page, next);
        next = no;
    }
    Ok(next)
}

/// Reads a chain of `len` bytes starting at `first`, appending to `out`.
pub(crate) fn read_chain(
    pager: &mut Pager,
    usable: usize,
    first: PageNo,
    len: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    let per_page = usable - PAGE_HEADER_SIZE;
    let mut no = first;
    let mut left = len;
    let max_pages = len.div_ceil(per_page);
    // The length comes from a page: check it before trusting it with an
    // allocation (a damaged leaf could claim terabytes).
    if len > super::MAX_VALUE_LEN || max_pages > pager.header().page_count as usize {
        return Err(err!(
            Corrupt,
            "overflow chain at page {first}: a value of {len} bytes cannot be in a file of {} pages",
            pager.header().page_count
        ));
    }
    out.reserve(len);
    for _ in 0..max_pages {
        let page = pager.read(no)?;
        if page.page_type() != Some(PageType::Overflow) {
            return Err(err!(
                Corrupt,
                "overflow chain: page {no} is not an overflow page"
            ));
        }
        let n = page.count() as usize;
        if n > per_page || n > left || (n < per_page && n != left) {
            return Err(err!(
                Corrupt,
                "overflow chain: page {no} holds {n} bytes, {left} of the value are still to come"
            ));
        }
        out.extend_from_slice(&page[PAGE_HEADER_SIZE..PAGE_HEADER_SIZE + n]);
        left -= n;
        no = page.link();
        if left == 0 {
            return Ok(());
        }
    }
    Err(err!(
        Corrupt,
        "overflow chain from page {first}: ends before its {len} bytes"
    ))
}

/// Frees every page of the chain of `len` bytes starting at `first`.
pub(crate) fn free_chain(
    pager: &mut Pager,
    usable: usize,
    first: PageNo,
    len: usize,
) -> Result<()> {
    let per_page = usable - PAGE_HEADER_SIZE;
    let mut no = first;
    for _ in 0..len.div_ceil(per_page) {
        if no == 0 {
            return Err(err!(
                Corrupt,
                "overflow chain from page {first}: ends early"
            ));
        }
        let page = pager.read(no)?;
        if page.page_type() != Some(PageType::Overflow) {
            return Err(err!(
                Corrupt,
                "overflow chain: page {no} is not an overflow page"
            ));
        }
        let next = page.link();
        drop(page);
        pager.free(no)?;
        no = next;
    }
    Ok(())
}
