//! Multicaisse dashboard: a Leptos single-page app over the server's JSON API.

mod api;
mod app;
mod i18n;
mod pages;
mod session;
mod time;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
