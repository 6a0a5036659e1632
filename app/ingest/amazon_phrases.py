"""What Amazon writes about stock and offer condition, one table per marketplace language.

Phrases are written as Amazon shows them and matched on folded text (see
:func:`app.ingest.text_repair.fold`: no accents, lower case, ASCII digits), so ``"Não
disponível"`` and ``"Nao disponivel"`` read alike. ``\\d+`` stands for a quantity. Sources:
the stock and buy-box lines of Amazon's product pages on each marketplace, as kept in the
corpus under ``tests/fixtures/amazon_corpus/``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Languages of the marketplaces PriceBridge accepts (ISO 639-1).
LANGUAGES = ("en", "de", "fr", "it", "es", "pt", "nl", "sv", "pl", "tr", "ar", "ja")

#: The languages each marketplace's pages are written in, the usual one first.
MARKETPLACE_LANGUAGES: dict[str, tuple[str, ...]] = {
    "com": ("en", "es"),
    "ca": ("en", "fr"),
    "com.mx": ("es",),
    "com.br": ("pt",),
    "co.uk": ("en",),
    "de": ("de", "en"),
    "fr": ("fr",),
    "it": ("it",),
    "es": ("es",),
    "nl": ("nl",),
    "com.be": ("fr", "nl"),
    "se": ("sv",),
    "pl": ("pl",),
    "com.tr": ("tr",),
    "ae": ("ar", "en"),
    "sa": ("ar", "en"),
    "eg": ("ar", "en"),
    "in": ("en",),
    "co.jp": ("ja", "en"),
    "sg": ("en",),
    "com.au": ("en",),
}


@dataclass(frozen=True)
class StockPhrases:
    """One language's stock sentences by meaning; each tuple holds regular expressions.

    ``no_offer``: no buy box, only other sellers' offers (says nothing about this offer).
    ``negations_before`` / ``negations_after``: words that turn an in-stock phrase around
    ("niet op voorraad", "stokta yok"), for sentences no other phrase names.
    """

    no_offer: tuple[str, ...]
    out_of_stock: tuple[str, ...]
    unavailable: tuple[str, ...]
    low_stock: tuple[str, ...]
    delayed: tuple[str, ...]
    in_stock: tuple[str, ...]
    negations_before: tuple[str, ...] = ()
    negations_after: tuple[str, ...] = ()


STOCK: dict[str, StockPhrases] = {
    "en": StockPhrases(
        no_offer=("available from these sellers", "see all buying options"),
        out_of_stock=("out of stock", "sold out", "temporarily unavailable"),
        unavailable=(
            "currently unavailable",
            "unavailable",
            "no longer available",
            "not available",
        ),
        low_stock=(r"only \d+ left", r"\d+ left in stock"),
        delayed=(
            "usually ships",
            "usually dispatched",
            "ships within",
            "dispatched within",
            "in stock on ",
            "available to ship",
            "in stock soon",
            "pre-?order",
            "will be released",
        ),
        in_stock=("in stock",),
        negations_before=("not", "no", "never", "isn't"),
    ),
    "de": StockPhrases(
        no_offer=("erhältlich bei diesen anbietern", "alle kaufoptionen"),
        out_of_stock=("nicht auf lager", "nicht vorrätig", "ausverkauft", "vorübergehend nicht"),
        unavailable=("nicht verfügbar", "nicht mehr erhältlich", "nicht erhältlich"),
        low_stock=(r"nur noch \d+", r"nur \d+ (?:stück |artikel )?(?:auf lager|vorrätig)"),
        delayed=(
            "versandfertig in",
            "versand in",
            "vorbestell",
            "erscheint am",
            "erhältlich ab",
            "lieferbar ab",
        ),
        in_stock=("auf lager", "vorrätig", "sofort lieferbar"),
        negations_before=("nicht", "kein", "keine"),
    ),
    "fr": StockPhrases(
        no_offer=("disponible auprès de ces vendeurs", "voir toutes les options d'achat"),
        out_of_stock=("rupture de stock", "épuisé", "temporairement indisponible"),
        unavailable=("indisponible", "plus disponible", "non disponible"),
        low_stock=(r"il ne reste plus que \d+", r"plus que \d+ (?:ex|en stock)"),
        delayed=(
            "expédié sous",
            "expédié dans",
            "pré-?commande",
            "précommander",
            "paraîtra le",
            "sera disponible le",
            "en stock le ",
            "disponible à partir du",
        ),
        in_stock=("en stock", "disponible"),
        negations_before=("pas", "non", "aucun"),
    ),
    "it": StockPhrases(
        no_offer=("disponibile presso questi venditori", "vedi tutte le opzioni di acquisto"),
        out_of_stock=("esaurito", "temporaneamente non disponibile", "momentaneamente non"),
        unavailable=("non disponibile", "non più disponibile"),
        low_stock=(r"solo \d+ (?:rimast|disponibil|pezz)", r"(?:rimangono|restano) solo \d+"),
        delayed=(
            "spedito entro",
            "spedizione entro",
            "preordin",
            "pre-ordin",
            "sarà disponibile",
            "disponibile dal ",
            "disponibile a partire",
        ),
        in_stock=("disponibilità immediata", "disponibile", "in magazzino"),
        negations_before=("non", "nessun"),
    ),
    "es": StockPhrases(
        no_offer=("disponible a través de estos vendedores", "ver todas las opciones de compra"),
        out_of_stock=("agotado", "sin stock", "no hay stock", "temporalmente no disponible"),
        unavailable=("no disponible", "ya no está disponible"),
        low_stock=(r"solo queda(?:n|\(n\))? \d+", r"quedan \d+", r"solo \d+ en stock"),
        delayed=(
            "se envía en",
            "envío en",
            "se envía en un plazo",
            "reserva ahora",
            "disponible para reserva",
            "preventa",
            "saldrá a la venta",
        ),
        in_stock=("en stock", "disponible", "en existencia"),
        negations_before=("no", "sin", "ningún"),
    ),
    "pt": StockPhrases(
        no_offer=("disponível com estes vendedores", "ver todas as opções de compra"),
        out_of_stock=(
            "fora de estoque",
            "esgotado",
            "sem estoque",
            "temporariamente indisponível",
        ),
        unavailable=("não disponível", "indisponível", "não está mais disponível"),
        low_stock=(
            r"apenas \d+ (?:em estoque|unidade|restante|disponív)",
            r"somente \d+ (?:em estoque|unidade|restante)",
            r"resta(?:m)? (?:apenas |somente |só )?\d+",
            r"só (?:resta(?:m)? )?\d+",
        ),
        delayed=(
            "enviado em",
            "envio em",
            "pré-venda",
            "pré-encomenda",
            "será lançado",
            "disponível a partir de",
        ),
        in_stock=("em estoque", "disponível"),
        negations_before=("não", "sem", "nenhum"),
    ),
    "nl": StockPhrases(
        no_offer=("verkrijgbaar bij deze verkopers", "alle koopopties"),
        out_of_stock=("niet op voorraad", "uitverkocht", "tijdelijk niet"),
        unavailable=("niet beschikbaar", "niet verkrijgbaar", "niet meer leverbaar"),
        low_stock=(
            r"nog (?:maar |slechts )?\d+ (?:op voorraad|beschikbaar|over)",
            r"slechts \d+ (?:op voorraad|beschikbaar|over)",
        ),
        delayed=(
            "verzonden binnen",
            "verzending binnen",
            "voorbestel",
            "pre-order",
            "reserveer",
            "verschijnt op",
            "leverbaar vanaf",
            "op voorraad vanaf",
        ),
        in_stock=("op voorraad", "direct leverbaar"),
        negations_before=("niet", "geen"),
    ),
    "sv": StockPhrases(
        no_offer=("tillgänglig från dessa säljare", "se alla köpalternativ"),
        out_of_stock=("slut i lager", "tillfälligt slut", "ej i lager", "inte i lager", "slutsåld"),
        unavailable=("ej tillgänglig", "inte tillgänglig", "otillgänglig"),
        low_stock=(r"(?:endast|bara) \d+ kvar", r"\d+ kvar i lager"),
        delayed=(
            "skickas vanligtvis inom",
            "skickas inom",
            "levereras vanligtvis inom",
            "förbeställ",
            "förhandsbeställ",
            "släpps den",
            "i lager den ",
        ),
        in_stock=("i lager",),
        negations_before=("ej", "inte", "ingen", "inga"),
    ),
    "pl": StockPhrases(
        no_offer=("dostępne u tych sprzedawców", "zobacz wszystkie opcje zakupu"),
        out_of_stock=(
            "chwilowo niedostęp",
            "tymczasowo niedostęp",
            "brak w magazynie",
            "brak na stanie",
            "wyprzedan",
        ),
        unavailable=("niedostęp", "nie jest dostęp"),
        low_stock=(
            r"(?:zostało|zostały|został|pozostało|pozostały) (?:tylko )?\d+",
            r"tylko \d+ (?:szt|egz|w magazynie|na stanie)",
        ),
        delayed=(
            "wysyłka w ciągu",
            "wysyłane w ciągu",
            "wysyłka zwykle",
            "przedsprzedaż",
            "przedpremier",
        ),
        in_stock=("w magazynie", "na stanie", "dostępn"),
        negations_before=("nie", "brak"),
    ),
    "tr": StockPhrases(
        no_offer=("bu satıcılardan temin edilebilir", "tüm satın alma seçeneklerini"),
        out_of_stock=("stokta yok", "stokta bulunmuyor", "tükendi", "geçici olarak mevcut değil"),
        unavailable=("mevcut değil", "satışta değil", "temin edilemiyor"),
        low_stock=(r"stokta (?:sadece|yalnızca) \d+", r"(?:sadece|yalnızca|son) \d+ (?:adet|ürün)"),
        delayed=("içinde kargoya verilir", "içinde kargoda", "ön sipariş", "çıkış tarihi"),
        in_stock=("stokta var", "stokta"),
        negations_after=("yok", "bulunmuyor", "değil", "kalmadı"),
    ),
    "ar": StockPhrases(
        no_offer=("متوفر لدى هؤلاء البائعين", "عرض جميع خيارات الشراء"),
        out_of_stock=("غير متوفر مؤقتا", "نفدت الكمية", "نفذت الكمية", "نفد من المخزون"),
        unavailable=("غير متوفر", "غير متاح", "لم يعد متوفرا"),
        low_stock=(
            r"(?:تبقى|بقي|متبقي|يتبقى|متبق) \d+ فقط",
            r"\d+ فقط (?:في المخزون|متبقية)",
            r"فقط \d+ (?:متبقية|في المخزون)",
        ),
        delayed=("يشحن عادة خلال", "يشحن خلال", "يتم شحنه خلال", "طلب مسبق", "الطلب المسبق"),
        in_stock=("متوفر في المخزون", "متوفر", "متاح", "في المخزون"),
        negations_before=("غير", "لا", "ليس", "لم"),
    ),
    "ja": StockPhrases(
        no_offer=("こちらからもご購入いただけます", "すべての出品を見る"),
        out_of_stock=("在庫切れ", "品切れ", "売り切れ", "在庫なし"),
        unavailable=("お取り扱いできません", "取り扱いできません", "販売終了"),
        low_stock=(r"残り\s?\d+\s?点",),
        delayed=("以内に発送", "予約", "発売予定", "お取り寄せ"),
        in_stock=("在庫あり",),
        negations_after=("なし", "ない", "切れ"),
    ),
}

#: Buy-box condition words, by language. ``excluded`` (used, renewed, Subscribe & Save) is
#: checked first: its price is never the price, and "yenilenmiş" (renewed) contains "yeni".
CONDITION_NEW: dict[str, tuple[str, ...]] = {
    "en": ("new", "one-time purchase"),
    "de": ("neu", "einmalig"),
    "fr": ("neuf", "achat unique"),
    "it": ("nuovo", "acquisto singolo"),
    "es": ("nuevo", "compra única"),
    "pt": ("novo", "compra única"),
    "nl": ("nieuw", "eenmalige aankoop"),
    "sv": ("ny", "nytt", "engångsköp"),
    "pl": ("nowy", "nowe", "jednorazowy zakup"),
    "tr": ("yeni", "tek seferlik"),
    "ar": ("جديد", "شراء لمرة واحدة"),
    "ja": ("新品", "通常の注文"),
}
CONDITION_EXCLUDED: dict[str, tuple[str, ...]] = {
    "en": ("used", "renewed", "refurbished", "pre-owned", "subscribe", "s&s"),
    "de": ("gebraucht", "generalüberholt", "spar-abo"),
    "fr": ("occasion", "d'occasion", "reconditionné", "abonnez-vous"),
    "it": ("usato", "ricondizionato", "iscriviti e risparmia"),
    "es": ("usado", "reacondicionado", "suscríbete"),
    "pt": ("usado", "recondicionado", "seminovo", "assinatura"),
    "nl": ("gebruikt", "tweedehands", "gereviseerd"),
    "sv": ("begagnad", "renoverad", "prenumerera"),
    "pl": ("używany", "używane", "odnowiony", "odnowione"),
    "tr": ("ikinci el", "kullanılmış", "yenilenmiş"),
    "ar": ("مستعمل", "مجدد"),
    "ja": ("中古", "整備済み", "定期おトク便"),
}
