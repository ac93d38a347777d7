//! Where the dashboard's pages are, and which module of the split app each one needs. The app
//! routes by these paths; the server, answering a page, names that page's modules so that the
//! browser fetches them with the shell instead of after it (scripts/split-wasm.sh writes which
//! files make each module, `page-modules.json`).

/// A path the browser may open at, and the name of the page's module: the `#[lazy]` function
/// in the app's `src/app.rs` whose module the wasm splitter cuts out (`split_<module>_…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageModule {
    /// A whole path, or a prefix ending in `/` for a page with a token after it.
    pub path: &'static str,
    pub module: &'static str,
}

pub const SALES: &str = "/ventes";
pub const DEVICES: &str = "/appareils";
pub const FLEET: &str = "/flotte";
pub const REQUESTS: &str = "/demandes";
pub const SUBSCRIPTION: &str = "/abonnement";
pub const Z: &str = "/z";
pub const DECOMMISSION: &str = "/mise-hors-service";
pub const ACCESS: &str = "/acces";
pub const SHOP: &str = "/boutique";
pub const AUDIT: &str = "/journal";
pub const ACCOUNT: &str = "/compte";
pub const NEW_SHOP: &str = "/nouvelle-boutique";
pub const INVITATION: &str = "/invitation/";
pub const RESET_PASSWORD: &str = "/reinitialiser/";

/// Every page with its module. The first screen, `/`, is *Aujourd'hui*, except for an
/// accountant, whose first screen is the Z: the app decides that once it knows the shop.
pub const PAGE_MODULES: [PageModule; 15] = [
    page("/", "today_page"),
    page(SALES, "sales_page"),
    page(DEVICES, "devices_page"),
    page(FLEET, "fleet_page"),
    page(REQUESTS, "support_page"),
    page(SUBSCRIPTION, "subscription_page"),
    page(Z, "z_page"),
    page(DECOMMISSION, "decommission_page"),
    page(ACCESS, "access_page"),
    page(SHOP, "shop_page"),
    page(AUDIT, "audit_page"),
    page(ACCOUNT, "account_page"),
    page(NEW_SHOP, "new_shop_page"),
    page(INVITATION, "invitation_page"),
    page(RESET_PASSWORD, "reset_password_page"),
];

const fn page(path: &'static str, module: &'static str) -> PageModule {
    PageModule { path, module }
}

/// The module of the page at `path` (a URL's path, without its query), if it is a page.
pub fn module_at(path: &str) -> Option<&'static str> {
    PAGE_MODULES
        .iter()
        .find(|page| match page.path.strip_suffix('/') {
            Some(prefix) if !prefix.is_empty() => path
                .strip_prefix(page.path)
                .is_some_and(|token| !token.is_empty() && !token.contains('/')),
            _ => path == page.path,
        })
        .map(|page| page.module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_is_found_at_its_path() {
        assert_eq!(module_at("/"), Some("today_page"));
        assert_eq!(module_at("/ventes"), Some("sales_page"));
        assert_eq!(module_at("/demandes"), Some("support_page"));
        assert_eq!(module_at("/invitation/abc123"), Some("invitation_page"));
        assert_eq!(module_at("/reinitialiser/xyz"), Some("reset_password_page"));
    }

    #[test]
    fn what_is_not_a_page_has_no_module() {
        for path in [
            "",
            "/ventes/",
            "/ventes/2",
            "/vente",
            "/invitation/",
            "/invitation",
            "/invitation/a/b",
            "/api/stores",
            "/index.html",
        ] {
            assert_eq!(module_at(path), None, "{path}");
        }
    }

    #[test]
    fn paths_and_modules_are_each_named_once() {
        for (i, a) in PAGE_MODULES.iter().enumerate() {
            for b in &PAGE_MODULES[i + 1..] {
                assert_ne!(a.path, b.path);
                assert_ne!(a.module, b.module);
            }
        }
    }
}
