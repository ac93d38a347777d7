//! What the demo cave sells: wines and spirits at 20 %, fine groceries at 5,5 %.

use multicaisse_core::VatRate;

pub struct Product {
    pub label: &'static str,
    pub price_cents: i64,
    pub vat: VatRate,
    /// Relative popularity.
    pub weight: u32,
    /// Bought by the case (6 bottles, with the usual 10 % case discount) now and then.
    pub by_the_case: bool,
    /// Sells three times as well in December (bubbles, foie gras, gift boxes).
    pub festive: bool,
}

const fn wine(label: &'static str, price_cents: i64, weight: u32) -> Product {
    Product {
        label,
        price_cents,
        vat: VatRate::STANDARD,
        weight,
        by_the_case: true,
        festive: false,
    }
}

const fn festive(label: &'static str, price_cents: i64, vat: VatRate, weight: u32) -> Product {
    Product {
        label,
        price_cents,
        vat,
        weight,
        by_the_case: false,
        festive: true,
    }
}

const fn grocery(label: &'static str, price_cents: i64, weight: u32) -> Product {
    Product {
        label,
        price_cents,
        vat: VatRate::REDUCED,
        weight,
        by_the_case: false,
        festive: false,
    }
}

pub const CATALOGUE: &[Product] = &[
    wine("Côtes-du-Rhône Les Gravières 2022", 890, 10),
    wine("Beaujolais-Villages 2023", 1090, 8),
    wine("Vin de France rouge « Glou-glou »", 1190, 6),
    wine("Muscadet Sèvre-et-Maine sur lie 2023", 990, 5),
    wine("Bordeaux supérieur 2020", 1290, 6),
    wine("Rosé de Provence 2024", 1390, 5),
    wine("Bourgogne aligoté 2022", 1450, 6),
    wine("Crémant de Bourgogne brut", 1490, 5),
    wine("Morgon Côte du Py 2021", 1890, 6),
    wine("Crozes-Hermitage blanc 2022", 2190, 5),
    wine("Sancerre blanc 2023", 2290, 5),
    wine("Saint-Joseph rouge 2021", 2450, 6),
    wine("Chablis 1er cru Montmains 2021", 3200, 3),
    wine("Saint-Émilion grand cru 2019", 3990, 2),
    wine("Côte-Rôtie 2019", 5900, 1),
    festive("Champagne brut réserve", 3490, VatRate::STANDARD, 4),
    festive("Coffret bois 2 bouteilles", 600, VatRate::STANDARD, 1),
    festive(
        "Foie gras de canard entier 180 g",
        2990,
        VatRate::REDUCED,
        2,
    ),
    Product {
        label: "Pastis artisanal 70 cl",
        price_cents: 3290,
        vat: VatRate::STANDARD,
        weight: 1,
        by_the_case: false,
        festive: false,
    },
    Product {
        label: "Whisky single malt tourbé",
        price_cents: 6490,
        vat: VatRate::STANDARD,
        weight: 1,
        by_the_case: false,
        festive: true,
    },
    Product {
        label: "Tire-bouchon sommelier",
        price_cents: 2490,
        vat: VatRate::STANDARD,
        weight: 1,
        by_the_case: false,
        festive: true,
    },
    grocery("Rillettes de canard 180 g", 690, 4),
    grocery("Terrine de campagne au poivre", 590, 3),
    grocery("Tapenade noire 100 g", 490, 2),
    grocery("Huile d'olive vierge extra 50 cl", 1490, 2),
    grocery("Tablette chocolat noir 72 %", 450, 3),
    grocery("Crackers au romarin", 450, 3),
];
