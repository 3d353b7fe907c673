//! Jobs as a readable table.

use datasaur::Job;

/// One row per id: the job, or `not found`.
pub fn render(rows: &[(String, Option<Job>)]) -> String {
    let header = ["ID", "STATUS", "PROGRESS", "ERRORS"].map(str::to_owned);
    let mut lines: Vec<[String; 4]> = vec![header];
    for (id, job) in rows {
        lines.push(match job {
            Some(job) => [
                job.id.clone(),
                job.status.to_string(),
                format!("{}%", job.progress),
                job.error_summary(),
            ],
            None => [id.clone(), "not found".into(), "-".into(), String::new()],
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
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
