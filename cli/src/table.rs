//! Jobs as a readable table.

use datasaur::Job;

use crate::text::{shorten, terminal_safe};

/// The widest a cell is shown; a longer id or error is cut with `…`.
const MAX_CELL: usize = 200;

/// One row per id: the job, or `NOT FOUND` (as `job wait` spells it).
pub fn render(rows: &[(String, Option<Job>)]) -> String {
    let header = ["ID", "STATUS", "PROGRESS", "ERRORS"].map(str::to_owned);
    let mut lines: Vec<[String; 4]> = vec![header];
    for (id, job) in rows {
        lines.push(match job {
            Some(job) => [
                shorten(&job.id, MAX_CELL),
                shorten(&job.status.to_string(), MAX_CELL),
                format!("{}%", job.progress),
                shorten(&job.error_summary(), MAX_CELL),
            ],
            None => [
                shorten(id, MAX_CELL),
                "NOT FOUND".into(),
                "-".into(),
                String::new(),
            ],
        });
    }
    let widths: Vec<usize> = (0..4)
        .map(|column| {
            lines
                .iter()
                .map(|line| line[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        let mut row = String::new();
        for (column, (cell, width)) in line.iter().zip(&widths).enumerate() {
            if column > 0 {
                row.push_str("  ");
            }
            row.push_str(cell);
            // Padding by hand: a format width cannot exceed u16::MAX.
            let pad = width.saturating_sub(cell.chars().count());
            row.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(terminal_safe(row.trim_end()).as_ref());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, status: &str, stack: &str) -> Job {
        serde_json::from_str(&format!(
            r#"{{"id":{},"status":{},"progress":5,"createdAt":"1","updatedAt":"2","errors":[{{"id":"e","stack":{}}}]}}"#,
            serde_json::to_string(id).unwrap(),
            serde_json::to_string(status).unwrap(),
            serde_json::to_string(stack).unwrap()
        ))
        .unwrap()
    }

    #[test]
    fn text_of_any_length_renders_without_panicking() {
        let long = "x".repeat(70_000);
        let table = render(&[(long.clone(), Some(job(&long, &long, &long)))]);
        assert!(
            table.lines().all(|line| line.chars().count() < 1_000),
            "cells are cut"
        );
        assert!(table.contains('…'));
    }

    #[test]
    fn control_characters_from_the_server_are_escaped() {
        let table = render(&[(
            "j".into(),
            Some(job(
                "j\u{1b}[2J",
                "IN_PROGRESS\r",
                "boom\u{1b}]0;title\u{7}",
            )),
        )]);
        assert!(
            !table.chars().any(|c| c.is_control() && c != '\n'),
            "{table:?}"
        );
        assert!(table.contains("\\u{1b}[2J"), "{table}");
    }
}
