//! A markdown-style table with aligned columns: text columns left-aligned,
//! the rest right-aligned.

pub struct Table {
    header: Vec<String>,
    /// How many leading columns are text (left-aligned).
    text_columns: usize,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str], text_columns: usize) -> Self {
        Self { header: header.iter().map(|&cell| cell.to_owned()).collect(), text_columns, rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|cell| cell.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = (0..columns)
                .map(|i| {
                    let cell = cells.get(i).map_or("", String::as_str);
                    if i < self.text_columns {
                        format!("{cell:<w$}", w = widths[i])
                    } else {
                        format!("{cell:>w$}", w = widths[i])
                    }
                })
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| if i < self.text_columns { "-".repeat(w) } else { format!("{}:", "-".repeat(w - 1)) })
            .collect();
        let mut out = line(&self.header);
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn columns_are_aligned() {
        let mut table = Table::new(&["name", "value"], 1);
        table.row(vec!["a".to_owned(), "1.5".to_owned()]);
        table.row(vec!["longer".to_owned(), "10".to_owned()]);
        assert_eq!(table.render(), "| name   | value |\n| ------ | ----: |\n| a      |   1.5 |\n| longer |    10 |\n");
    }
}
