//! A Z file as a printable PDF (pdf-writer): a summary page with the file's verification and
//! chain hash, then one A4 page per closure with the mentions a Z carries — the store's
//! identity, the register, the period, ticket numbers, totals, VAT per rate, payments per
//! method, refunds, discounts, both grand totals, the three hashes and the verification.
//! The text is set in Helvetica, one of the fonts every PDF reader has, in WinAnsi encoding
//! (which has é, à, ç and €), so nothing is embedded.

use crate::zexport::ZFile;
use chrono_tz::Tz;
use multicaisse_core::closure::ClosureKind;
use multicaisse_core::format::{format_eur, format_rate, Lang};
use multicaisse_core::integrity::{chain_state, Chain};
use multicaisse_core::verification::{ClosureCheck, ClosureStatus};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const A4: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 56.0;

/// The bytes of `text` in WinAnsiEncoding; characters it lacks become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}' | '\u{202f}' => 0xa0,
            '\u{a1}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            '…' => 0x85,
            _ => b'?',
        })
        .collect()
}

/// One page's lines: (font size, bold, text).
type Lines = Vec<(f32, bool, String)>;

fn kind_title(kind: ClosureKind) -> &'static str {
    match kind {
        ClosureKind::Daily => "Z journalier",
        ClosureKind::Monthly => "Grand Z mensuel",
        ClosureKind::Annual => "Z annuel (exercice)",
    }
}

fn eur(cents: multicaisse_core::Cents) -> String {
    format_eur(cents, Lang::Fr)
}

fn identity(file: &ZFile) -> Lines {
    vec![
        (11.0, true, file.store.name.clone()),
        (9.0, false, file.store.address.clone()),
        (
            9.0,
            false,
            format!(
                "SIRET {} — N° TVA {}",
                file.store.siret, file.store.vat_number
            ),
        ),
        (
            9.0,
            false,
            format!(
                "Caisse n° {} — {}",
                file.register.number, file.register.label
            ),
        ),
    ]
}

fn summary_page(file: &ZFile) -> Lines {
    let mut lines = vec![(16.0, true, format!("Z de caisse — {}", file.period))];
    lines.extend(identity(file));
    lines.push((
        10.0,
        false,
        format!(
            "Période du {} au {}",
            file.period_start.format("%d/%m/%Y"),
            file.period_end.format("%d/%m/%Y")
        ),
    ));
    lines.push((
        12.0,
        true,
        format!("Vérification : {}", file.status.french()),
    ));
    lines.push((
        10.0,
        false,
        format!("{} clôture(s) dans ce fichier", file.closures.len()),
    ));
    if !file.missing.is_empty() {
        lines.push((
            10.0,
            false,
            format!("Clôtures manquantes : {}", file.missing.join(", ")),
        ));
    }
    for (chain, report) in [
        (Chain::Tickets, &file.tickets),
        (Chain::Closures, &file.closures_chain),
    ] {
        lines.push((10.0, false, chain_state(chain, report, Lang::Fr)));
    }
    lines.push((
        10.0,
        true,
        "Hash de chaîne (dernière clôture du fichier) :".into(),
    ));
    lines.push((
        8.0,
        false,
        file.chain_hash
            .map_or_else(|| "-".to_string(), |h| h.to_hex()),
    ));
    lines
}

fn closure_page(file: &ZFile, check: &ClosureCheck, zone: Tz) -> Lines {
    let c = &check.closure;
    let mut lines = vec![(
        16.0,
        true,
        format!("{} n° {}", kind_title(c.kind), c.sequence),
    )];
    lines.extend(identity(file));
    let period = if c.period_start == c.period_end {
        format!("Journée du {}", c.period_start.format("%d/%m/%Y"))
    } else {
        format!(
            "Période du {} au {}",
            c.period_start.format("%d/%m/%Y"),
            c.period_end.format("%d/%m/%Y")
        )
    };
    lines.push((10.0, false, period));
    lines.push((
        10.0,
        false,
        format!(
            "Clôturé le {}",
            c.closed_at.with_timezone(&zone).format("%d/%m/%Y à %H:%M")
        ),
    ));
    let numbers = match (c.first_ticket, c.last_ticket) {
        (Some(first), Some(last)) => format!("tickets n° {first} à {last}"),
        _ => "aucun ticket".to_string(),
    };
    lines.push((
        10.0,
        false,
        format!("{} ticket(s) — {numbers}", c.ticket_count),
    ));
    lines.push((11.0, true, format!("Total TTC : {}", eur(c.total_ttc))));
    lines.push((10.0, false, format!("Total HT : {}", eur(c.total_ht))));
    lines.push((
        10.0,
        false,
        format!("TVA : {}", eur(c.total_ttc - c.total_ht)),
    ));
    for vat in &c.vat {
        lines.push((
            9.0,
            false,
            format!(
                "   TVA {} : HT {} — TVA {} — TTC {}",
                format_rate(vat.rate.basis_points(), Lang::Fr),
                eur(vat.ht),
                eur(vat.vat),
                eur(vat.ttc)
            ),
        ));
    }
    for payment in &c.payments {
        lines.push((
            9.0,
            false,
            format!(
                "   {} : {}",
                payment.method.label(Lang::Fr),
                eur(payment.amount)
            ),
        ));
    }
    lines.push((
        10.0,
        false,
        format!(
            "Annulations et remboursements TTC : {}",
            eur(c.cancellations_ttc)
        ),
    ));
    lines.push((10.0, false, format!("Remises : {}", eur(check.discounts))));
    lines.push((
        10.0,
        false,
        format!("Grand total de la période : {}", eur(c.period_grand_total)),
    ));
    lines.push((
        10.0,
        false,
        format!("Grand total perpétuel : {}", eur(c.perpetual_grand_total)),
    ));
    lines.push((9.0, true, "Hash du dernier ticket :".into()));
    lines.push((8.0, false, c.last_ticket_hash.to_hex()));
    lines.push((9.0, true, "Hash de la clôture précédente :".into()));
    lines.push((8.0, false, check.previous_hash.to_hex()));
    lines.push((9.0, true, "Hash de la clôture (chaîne) :".into()));
    lines.push((8.0, false, check.hash.to_hex()));
    let verdict = match check.status {
        ClosureStatus::Verified => "vérifiée : identique aux tickets reçus".to_string(),
        ClosureStatus::Mismatch => {
            let mut fields: Vec<String> = check
                .differences
                .iter()
                .map(|d| {
                    format!(
                        "{} (déclaré {}, tickets {})",
                        d.field, d.declared, d.recomputed
                    )
                })
                .collect();
            if check.chain_fault {
                fields.push("hash ou chaînage invalide".into());
            }
            format!("écart : {}", fields.join(" ; "))
        }
    };
    lines.push((11.0, true, format!("Vérification : {verdict}")));
    if let Some(place) = crate::zexport::correction_words(check) {
        lines.push((11.0, true, format!("Correction : {place}")));
    }
    lines
}

/// The whole file: a summary page, then a page per closure.
pub fn render(file: &ZFile) -> Vec<u8> {
    let zone = file.store.time_zone;
    let mut pages = vec![summary_page(file)];
    pages.extend(file.closures.iter().map(|c| closure_page(file, c, zone)));
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let (regular, bold) = (Name(b"F1"), Name(b"F2"));
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(5 + 2 * i as i32))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.type1_font(regular_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold_id)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (lines, page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, A4.0, A4.1));
        page.parent(tree_id);
        page.contents(content_id);
        page.resources()
            .fonts()
            .pair(regular, regular_id)
            .pair(bold, bold_id);
        page.finish();
        let mut content = Content::new();
        let mut y = A4.1 - MARGIN;
        for (size, is_bold, text) in lines {
            y -= size * 1.6;
            content.begin_text();
            content.set_font(if *is_bold { bold } else { regular }, *size);
            content.next_line(MARGIN, y);
            content.show(Str(&win_ansi(text)));
            content.end_text();
        }
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::win_ansi;

    #[test]
    fn french_text_maps_to_win_ansi() {
        assert_eq!(win_ansi("é€ à"), vec![0xe9, 0x80, b' ', 0xe0]);
        assert_eq!(
            win_ansi("1\u{202f}234,56\u{a0}€"),
            b"1\xa0234,56\xa0\x80".to_vec()
        );
        assert_eq!(win_ansi("日"), b"?".to_vec());
    }
}
