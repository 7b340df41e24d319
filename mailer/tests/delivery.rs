//! Sending through a real SMTP server and into `.eml` files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use mailer::{InlineImage, Mailer, OutgoingEmail};
use testkit::SmtpSink;

fn email() -> OutgoingEmail {
    OutgoingEmail {
        to: "ada@example.com".into(),
        subject: "3 new listings for \"lego 42100\"".into(),
        text: "plain body".into(),
        html: Some("<p>html body <img src=\"cid:chart\"></p>".into()),
        inline_images: vec![InlineImage {
            content_id: "chart".into(),
            content_type: "image/png".into(),
            bytes: vec![0x89, b'P', b'N', b'G', 1, 2, 3],
        }],
        unsubscribe_url: Some("https://alerts.example.com/unsubscribe?token=abc".into()),
        message_id: Some("run-42@example.com".into()),
    }
}

#[tokio::test]
async fn an_email_with_text_html_and_an_inline_image_arrives_over_smtp() {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = Mailer::new(&sink.url(), "eBay Alerts <alerts@example.com>").unwrap();

    let id = mailer.send(&email()).await.unwrap();

    let received = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(id, "run-42@example.com");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["ada@example.com".to_owned()]);
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(parsed.subject(), Some("3 new listings for \"lego 42100\""));
    assert_eq!(parsed.message_id(), Some("run-42@example.com"));
    assert_eq!(parsed.body_text(0).unwrap().trim(), "plain body");
    assert!(parsed.body_html(0).unwrap().contains("cid:chart"));
    let image = parsed.attachments().next().expect("inline image");
    assert_eq!(image.content_id(), Some("chart"));
    assert_eq!(image.contents(), &[0x89, b'P', b'N', b'G', 1, 2, 3]);
    assert_eq!(
        parsed.header_raw("List-Unsubscribe").unwrap().trim(),
        "<https://alerts.example.com/unsubscribe?token=abc>"
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe-Post").unwrap().trim(),
        "List-Unsubscribe=One-Click"
    );
}

#[tokio::test]
async fn a_subject_with_line_breaks_cannot_add_headers() {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = Mailer::new(&sink.url(), "alerts@example.com").unwrap();
    let mut evil = email();
    evil.subject = "lego\r\nBcc: victim@example.com\r\nX-Evil: 1".into();

    mailer.send(&evil).await.unwrap();

    let received = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        received[0].to,
        vec!["ada@example.com".to_owned()],
        "no extra recipient"
    );
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert!(parsed.header_raw("X-Evil").is_none());
    assert!(parsed.header_raw("Bcc").is_none());
    assert!(
        parsed
            .subject()
            .unwrap()
            .contains("Bcc: victim@example.com"),
        "kept as harmless subject text"
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_a_transient_error() {
    let mut sink = SmtpSink::start().await.unwrap();
    let mailer = Mailer::new(&sink.url(), "alerts@example.com").unwrap();
    sink.stop();

    let error = mailer.send(&email()).await.unwrap_err();

    assert!(error.is_transient(), "{error}");
    sink.restart().await.unwrap();
    mailer.send(&email()).await.unwrap();
    assert_eq!(
        sink.wait_for(1, Duration::from_secs(10)).await.len(),
        1,
        "delivered once the server is back"
    );
}

#[tokio::test]
async fn a_file_url_writes_eml_files() {
    let dir = std::env::temp_dir().join(format!("mailer-test-{}", testkit::unique_suffix()));
    let mailer = Mailer::new(&format!("file://{}", dir.display()), "alerts@example.com").unwrap();

    mailer.send(&email()).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let parsed_bytes = std::fs::read(&files[0]).unwrap();
    let parsed = MessageParser::default().parse(&parsed_bytes).unwrap();
    assert_eq!(parsed.body_text(0).unwrap().trim(), "plain body");
    std::fs::remove_dir_all(&dir).unwrap();
}
