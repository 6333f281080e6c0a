"""Phrasings written after the corpus was split, in the failure classes the unseen corpus showed (one per line)."""

from __future__ import annotations

import pytest

from crawler.decide.terms import analyse

CASES = [
    ("forbidden", "You agree not to use any deep-link, page-scrape, robot, spider or other automatic device, program, algorithm or methodology to access, acquire, copy or monitor any portion of the Site."),
    ("forbidden", "Use of the Services is limited to access through a standard web browser; any other form of access, including through software that sends requests on your behalf, is not permitted."),
    ("forbidden", "The licence granted above excludes any automated copying or downloading of the materials."),
    ("conditional", "Except as expressly permitted in a separate agreement with us, you may not scrape the site."),
    ("conditional", "We welcome crawlers from well-known search engines; other crawlers are not allowed."),
    ("conditional", "Automated requests must not exceed one per second per IP address."),
    ("conditional", "Bulk access to our data is available via our OAI-PMH interface; please do not harvest the web pages."),
    ("none", "Il bot del gioco controlla i personaggi non giocanti nelle partite."),
    ("none", "I nostri robot da cucina sono garantiti per due anni."),
    ("none", "Il sito utilizza sistemi automatici anti-frode; è vietato eludere tali controlli."),
    ("none", "È vietato usare bot per barare nei tornei."),
    ("none", "Il robot di assistenza non può accedere ai dati di pagamento."),
    ("forbidden", "È vietato l'utilizzo di bot, crawler o altri sistemi automatizzati per accedere al sito."),
    ("forbidden", "L'utente non può utilizzare strumenti automatici per estrarre dati dal sito."),
    ("conditional", "È vietata l'estrazione dei dati del sito mediante robot, salvo autorizzazione scritta della società."),
    ("conditional", "Sono ammessi solo i crawler dei motori di ricerca."),
    ("forbidden", "Vous ne pouvez pas utiliser de robots, araignées ou autres dispositifs automatiques pour accéder au site."),
    ("conditional", "L'exploration automatisée du site est permise dans la limite d'une requête toutes les deux secondes."),
    ("none", "Nos robots culinaires sont garantis deux ans."),
    ("forbidden", "Die Nutzung automatisierter Systeme oder Software zur Extraktion von Daten von dieser Website ist untersagt."),
    ("conditional", "Das Crawlen ist nur im Rahmen der robots.txt zulässig."),
    ("none", "Unser Kundenservice-Bot hilft Ihnen rund um die Uhr."),
    ("forbidden", "Queda prohibido el uso de robots, arañas o cualquier dispositivo automático para acceder al sitio."),
    ("conditional", "El uso de rastreadores solo está permitido a los motores de búsqueda."),
    ("none", "En el juego, los bots controlados por la IA completan los equipos."),
    ("forbidden", "É proibido utilizar robôs, spiders ou qualquer dispositivo automático para acessar o site."),
    ("conditional", "O acesso automatizado é permitido apenas via API oficial."),
    ("none", "Nosso robô de atendimento responde às perguntas frequentes."),
    ("conditional", "You may not use the content to train large language models or other generative AI."),
    ("forbidden", "Access to the site by bots is prohibited, including bots that honour robots.txt."),
    ("none", "We may use bots to monitor uptime."),
    ("forbidden", "Prohibited activities\n- Scraping\n- Automated access to the Services\n- Reverse engineering"),
    # software as the thing licensed, not the means of access: no restriction on crawling
    ("none", "You may not copy, modify or distribute the Software."),
    ("none", "Vous ne pouvez pas copier ou distribuer le logiciel."),
    ("none", "Sie dürfen die Software nicht kopieren oder weitergeben."),
    ("none", "No podrá copiar ni distribuir el software."),
    ("none", "Non è consentito copiare o distribuire il software."),
    ("none", "Você não pode copiar ou distribuir o software."),
    ("none", "Es ist nicht gestattet, die Programme des Senders aufzuzeichnen oder zu kopieren."),
    ("none", "Non è consentito scaricare i programmi televisivi."),
    ("none", "You may not systematically copy our recipes into another cookbook."),
    ("none", "You may not access the service through automated telephone systems."),
    ("forbidden", "Programmatic access to the web pages is not allowed."),
    ("forbidden", "Sie dürfen keine Software einsetzen, die unsere Seiten herunterlädt."),
]


@pytest.mark.parametrize("verdict, text", CASES)
def test_phrasing(verdict, text):
    assert analyse(text).verdict == verdict
