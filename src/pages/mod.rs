pub mod registers;
pub mod sales;
pub mod states;
