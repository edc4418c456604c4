//! Reference СИО ПСО gateway: axum + rustls (mTLS) + SQLite.
