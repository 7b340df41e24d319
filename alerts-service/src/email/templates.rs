//! The email templates, compiled into the binary.

/// The compiled templates.
pub struct Templates(tera::Tera);

impl Templates {
    /// Compiles the templates embedded in the binary.
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = tera::Tera::new();
        // `.html` templates escape every value (phrases and titles are user or eBay input).
        tera.autoescape_on([".html"]);
        tera.add_raw_templates([
            ("sign_in.html", include_str!("templates/sign_in.html")),
            ("sign_in.txt", include_str!("templates/sign_in.txt")),
            ("alert.html", include_str!("templates/alert.html")),
            ("alert.txt", include_str!("templates/alert.txt")),
        ])?;
        Ok(Self(tera))
    }

    /// Renders `<name>.txt` and `<name>.html` with the same context.
    pub fn render(
        &self,
        name: &str,
        context: &tera::Context,
    ) -> Result<(String, String), tera::Error> {
        let text = self.0.render(&format!("{name}.txt"), context)?;
        let html = self.0.render(&format!("{name}.html"), context)?;
        Ok((text, html))
    }
}
