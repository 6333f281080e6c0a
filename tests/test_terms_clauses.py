"""Clause analysis: verdicts in six languages, tricky negatives, exceptions, purposes, text extraction."""

from __future__ import annotations

import pytest

from crawler.decide.terms import analyse, html_to_text
from crawler.decide.terms.clauses import segments


@pytest.mark.parametrize("text", [
    "You shall not use any automated means, including bots or scripts, to copy material from the Website.",
    "Users must not crawl, spider or index the Platform.",
    "Web scraping of this site is forbidden.",
    "Vous ne devez pas utiliser de logiciels automatisés pour télécharger les annonces.",
    "Die Nutzung von Bots zum Abrufen unserer Inhalte ist nicht gestattet.",
    "Sie dürfen unsere Seiten nicht mit Scraping-Werkzeugen durchsuchen.",
    "No podrá utilizar scripts automatizados para descargar los contenidos.",
    "Gli utenti non possono usare spider per copiare le pagine del sito.",
    "O usuário não pode utilizar bots para extrair informações da plataforma.",
])
def test_forbidden_in_each_language(text):
    v = analyse(text)
    assert v.verdict == "forbidden" and v.quotes == [text] and v.kinds == ()


@pytest.mark.parametrize("text", [
    "We never use robots to decide on refunds.",
    "We will not sell your data to scrapers or data brokers.",
    "Nous ne transmettons pas vos données aux robots publicitaires.",
    "Wir nutzen keine Crawler, um Profile zu erstellen.",
    "If you do not want search engine robots to access your page, change your settings.",
    "Nothing in these terms prohibits you from using a feed reader to access our RSS feeds automatically.",
    "Automated access is not prohibited for accessibility tools.",
    "Your own bots built on the Bot API must not download files without the user's consent.",
    "Scraping and automated access",   # a heading
    "Our crawler, Examplebot, respects robots.txt.",
    "You must not harass other users.",
])
def test_negatives(text):
    assert analyse(text).verdict == "none"


def test_we_do_not_allow_is_still_a_prohibition():
    assert analyse("We do not allow bots to access member profiles.").verdict == "forbidden"


def test_lead_in_list():
    text = "Prohibited uses. You may not:\n\n- resell the service;\n- (b) copy any content using automated tools;\n\nOther terms apply."
    assert segments(text)[3][:2] == ("copy any content using automated tools;", "You may not:")
    v = analyse(text)
    assert v.verdict == "forbidden" and v.quotes == ["You may not: … copy any content using automated tools;"]


def test_sentences_keep_abbreviations():
    assert [s for s, *_ in segments("Do not scrape, e.g. with bots. Be nice.")] == ["Do not scrape, e.g. with bots.", "Be nice."]


@pytest.mark.parametrize("text, kinds", [
    ("You may not access the Service by automated means except for public search engines.", ("search-engines",)),
    ("Robots may not access the site. Public search engines may however index our public pages.", ("search-engines",)),
    ("Automated access is forbidden unless it complies with our robots.txt.", ("robots",)),
    ("You may not use robots to access the Service in a way that sends more requests than a human can reasonably produce.", ("rate",)),
    ("You may not scrape the site for commercial purposes.", ("research",)),
    ("You may not use automated means to access the Service without our express written permission.", ("permission",)),
    ("Automated collection of data is prohibited, except through our official API.", ("api",)),
])
def test_conditional_kinds(text, kinds):
    v = analyse(text)
    assert (v.verdict, v.kinds) == ("conditional", kinds)


@pytest.mark.parametrize("text", [
    "You may not use our content to train machine learning models.",
    "You may not use scrapers to collect data for training generative AI.",
    "Il est interdit d'utiliser les contenus pour entraîner des modèles d'intelligence artificielle.",
    "Wir widersprechen dem Text- und Data-Mining unserer Inhalte gemäß § 44b UrhG.",
])
def test_ai_training_only(text):
    v = analyse(text)
    assert (v.verdict, v.kinds) == ("conditional", ("ai-train",))


def test_ai_plus_general_ban_is_forbidden():
    v = analyse("You may not use bots to access the site, or use its content to train AI models.")
    assert v.verdict == "forbidden"


def test_condition_for_crawlers():
    v = analyse("Automated agents must respect robots.txt and may not exceed one request per second.")
    assert v.verdict == "conditional"


def test_most_restrictive_clause_wins_and_lang_narrows():
    text = "Search engines may crawl us. You may not scrape the site."
    assert analyse(text).verdict == "forbidden"
    assert analyse("Es ist verboten, Crawler einzusetzen, um Daten zu sammeln.", "de").verdict == "forbidden"
    assert analyse("Es ist verboten, Crawler einzusetzen, um Daten zu sammeln.", "fr").verdict == "forbidden"  # wrong lang: retried with all
    assert analyse("Il est interdit d'aspirer le site.", "de").verdict == "forbidden"


def test_html_to_text_lists_and_lang():
    text, lang = html_to_text('<html lang="fr-CA"><body><nav>menu</nav><p>Vous acceptez de ne pas :</p><ul><li>aspirer le site ;</li></ul><script>x()</script></body></html>')
    assert lang == "fr" and "menu" not in text and "x()" not in text
    assert text.splitlines()[-1] == "- aspirer le site ;"
    assert analyse(text, lang).verdict == "forbidden"
    assert html_to_text("") == ("", None)


@pytest.mark.parametrize("text, verdict, kinds", [
    ("You may not use robots to access the site unless expressly authorised by us in writing.", "conditional", ("permission",)),
    ("Automated access is forbidden, other than by Google and Bing for indexing.", "conditional", ("search-engines",)),
    ("Crawlers may access the site subject to our robots.txt file.", "conditional", ("robots",)),
    ("Automated tools may access the site only at intervals of at least 5 seconds between requests.", "conditional", ("rate",)),
    ("Sie dürfen Inhalte nur mit Bots abrufen, wenn ein Abstand von mindestens 3 Sekunden eingehalten wird.", "conditional", ("rate",)),
    ("We reserve our rights under Article 4(3) of Directive (EU) 2019/790 against text and data mining.", "conditional", ("ai-train",)),
    ("You may not access the Service by any means other than through the interface we provide.", "forbidden", ()),
    ("Non utilizzare il robot aspirapolvere per raccogliere liquidi.", "none", ()),
    ("Il nostro bot di Telegram non può raccogliere dati personali.", "none", ()),
])
def test_more_phrasings(text, verdict, kinds):
    v = analyse(text)
    assert (v.verdict, v.kinds) == (verdict, kinds)


def test_rate_and_api_details():
    v = analyse("Bots may visit the catalogue provided they send no more than 30 requests per minute.")
    assert v.conditions[0].gap == 2.0
    v = analyse("Automated retrieval is permitted only through our API at https://api.example.org/v1; scraping is prohibited.")
    assert v.kinds == ("api",) and "https://api.example.org/v1" in v.conditions[0].detail
    assert v.clauses[0].where == "paragraph 1"
    v = analyse("Acceptable use\nYou must not crawl the site.")
    assert v.clauses[0].where == 'under "Acceptable use"'
