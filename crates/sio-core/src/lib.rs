//! Domain rules of СИО ПСО.
