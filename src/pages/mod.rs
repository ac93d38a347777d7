pub mod access;
pub mod audit;
pub mod field;
pub mod invitation;
pub mod registers;
pub mod sales;
pub mod sign_in;
pub mod states;
