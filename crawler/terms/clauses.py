"""Find terms-of-service clauses against automated access, scraping, crawling, data mining or AI training.

Languages: English, French, German, Spanish, Italian, Portuguese (``lang`` tries that one plus
English first, then all if nothing is found; None uses all). The text is cut into sentences; a list item inherits its lead-in
("You agree not to:"). A sentence is a **clause** when it names automated means and a prohibition
aimed at the reader:

- *strong* words count alone (scrape, crawl, spider, harvest, data mining, aspirer, raspagem, ...);
  *weak* words (robot, bot, automated, script) only with a verb of access or collection
  (access, collect, copy, extract, download, index, monitor, ...);
- prohibitions: "may not", "agree not to", "prohibited", "interdit", "untersagt", "queda prohibido",
  "è vietato", "é proibido", ...; for AI/TDM also reservations ("reserve the right", "§ 44b UrhG",
  "s'oppose");
- not clauses: the site describing itself ("we do not use robots to ..."; a "we do not allow" still
  counts), "if you do not ...", "nothing in these terms prohibits ...", "is not prohibited",
  rules for the user's own bots or apps built on the service's API.

Each clause is one of: **access** (automated access/collection in general), **ai-train** (the
forbidden use is AI/ML training or text-and-data mining: "scrape ... to train AI", "TDM reserved"),
or **condition** (an obligation for crawlers, e.g. "bots must respect robots.txt"). Exceptions are
read in the clause and the next sentence: public search engines, robots.txt compliance, rate limits
and non-commercial use are *satisfiable* by a polite crawler; prior permission and the official API
are recorded but change nothing.

Verdict: **forbidden** if any access clause has no satisfiable exception; else **conditional** if
any clause was found; else **none found**. ``purposes_forbidden``: every purpose when forbidden;
otherwise ``ai-train`` for AI/TDM clauses, and all but ``search`` when a clause's way out is being a search engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

PURPOSES = frozenset({"search", "archive", "research", "ai-train"})
LANGS = ("en", "fr", "de", "es", "it", "pt")
_W = r"(?:[\w'’-]+\s+)"  # one word and its space

# Per language: strong, weak, verb, prohibition, reservation, ai, first-person negation, obligation.
_VOCAB: dict[str, dict[str, str]] = {
    "en": {
        "strong": r"scrap(?:e|es|ed|ing|er|ers)\b|crawl\w*|spider\w*|harvest\w*|data[- ]?min(?:e|es|ed|ing)\b|screen[- ]scrap\w*|offline\s+readers?",
        "weak": r"\brobots?\b|\bbots?\b|\bautomat(?:ed|ic|ically|ion)\b|\bscripts?\b|\bdata\s+gathering\b|\bextraction\s+tools?\b",
        "verb": r"\b(?:access\w*|collect\w*|gather\w*|extract\w*|cop(?:y|ies|ying)|download\w*|retriev\w*|index\w*|monitor\w*|obtain\w*|quer(?:y|ies)|mine|mining|aggregat\w*|reproduc\w*|search\w*|archiv\w*|capture\w*|read)\b",
        "prohibit": r"\b(?:may|must|shall|will|can|should)\s+not\b|\bcannot\b|\b(?:mustn|can|won|shan)['’]t\b|\bagree\w*\s+(?:that\s+you\s+will\s+)?not\s+to\b|\bagree\w*\s+not\b|\bnot\s+(?:be\s+)?(?:permitted|allowed|authori[sz]ed)\b|\bprohibit\w*|\bforbid\w*|\bdo\s+not\b|\bdon['’]t\b|\bno\s+(?:one|person|user|party)\s+(?:may|shall)\b|\brefrain\s+from\b|\bnot\s+to\s+(?:use|access|employ)\b",
        "reserve": r"\breserv\w*\s+(?:\w+\s+){0,3}rights\b|\bexpressly\s+reserv\w*|\breservation\b|\bopt(?:s|ed)?[- ]out\b",
        "ai": r"\bartificial\s+intelligence\b|\bmachine[- ]learning\b|\b(?:ai|a\.i\.|llms?|genai)\b|\bgenerative\s+(?:ai|models?)\b|\blanguage\s+models?\b|\btext\s+(?:and|&)\s+data\s+mining\b|\btdm\b|\bneural\s+networks?\b",
        "train": r"\btrain\w*|\bfine[- ]?tun\w*|\bdevelop\w*|\bimprov\w*|\bbuild\w*",
        "we_neg": r"\bwe\s+(?:do|does|will|shall|may|can|would)?\s*(?:not|never)\s+(?!allow|permit|authori|tolerat|accept|grant|licen)\w+|\bwe\s+(?:don|won)['’]t\s+(?!allow|permit|authori|tolerat|accept|grant|licen)\w+|\bour\s+\w+\s+(?:does|do|will)\s+not\s+\w+|\b(?:if|unless|whether)\s+(?:\w+\s+){1,2}(?:do|does|did)\s+not\b|\bnothing\s+in\s+(?:\w+\s+){0,4}(?:prohibit|prevent|restrict|forbid)\w*|\bnot\s+(?:be\s+)?(?:prohibited|forbidden|restricted)\b",
        "oblige": r"\bmust\b|\bshall\b|\bare\s+required\s+to\b|\bhave\s+to\b|\bexpected\s+to\b",
        "purpose": r"\b(?:to|for|in\s+order\s+to|for\s+the\s+purposes?\s+of|as)\b",
    },
    "fr": {
        "strong": r"\baspir(?:er|ation|ateur|ateurs|ant|é|ée)\b|\bmoissonn\w+|\bextraction\s+(?:automatis\w+|syst[ée]matique|massive)|\bcollecte\s+automatis\w+|\brobots?\s+d['’]indexation|\bexploration\s+de\s+donn[ée]es|\bfouille\s+de\s+donn[ée]es",
        "weak": r"\brobots?\b|\bbots?\b|\bautomatis\w+|\bautomatique\w*|\bscripts?\b|\blogiciels?\b",
        "verb": r"\b(?:acc[ée]d\w*|acc[èe]s|collect\w*|recueill\w*|extra\w*|copi\w*|t[ée]l[ée]charg\w*|r[ée]cup[ée]r\w*|index\w*|surveill\w*|consult\w*|reprodu\w*|aspir\w*|parcour\w*)",
        "prohibit": r"\binterdi\w*|\bprohib\w*|\bn['’]?(?:est|sont)\s+pas\s+(?:autoris|permis)\w*|\bne\s+(?:[\w'’-]+\s+){0,3}?pas\b|\bn['’]\w+\s+(?:[\w'’-]+\s+){0,2}?pas\b|\bs['’]engage\w*\s+à\s+ne\s+pas|\bnon\s+autoris\w*|\bà\s+ne\s+pas\b",
        "reserve": r"\bs['’]oppos\w*|\bopposition\b|\bopt-out\b|\br[ée]serv\w*\s+(?:[\w'’-]+\s+){0,3}droits\b|\bexpress[ée]ment\s+r[ée]serv\w*",
        "ai": r"\bintelligence\s+artificielle\b|\bIA\b|\bapprentissage\s+(?:automatique|machine|profond)\b|\bfouille\s+de\s+textes?\s+et\s+de\s+donn[ée]es|\bmod[èe]les?\s+de\s+langage",
        "train": r"\bentra[îi]n\w*|\bd[ée]velopp\w*|\bam[ée]lior\w*|\bconstru\w*",
        "we_neg": r"\bnous\s+n['’]?(?:\w+\s+)?(?!autoris|permet|tol[ée]r|accept|accord)\w+\s+(?:pas|jamais|aucun\w*)\b|\bnous\s+ne\s+(?!autoris|permet|tol[ée]r|accept|accord)\w+\s+(?:pas|jamais|aucun\w*)|\bsi\s+vous\s+ne\s+\w+\s+pas\b|\brien\s+dans\s+(?:\w+\s+){0,4}n['’]interdit",
        "oblige": r"\bdoi(?:t|vent)\b|\bdevez\b|\bsont\s+tenus\b|\best\s+tenu\b",
        "purpose": r"\b(?:pour|afin\s+de|à\s+des\s+fins\s+d['’]|aux\s+fins\s+d['’]|en\s+vue\s+d['’])",
    },
    "de": {
        "strong": r"crawl\w*|scrap(?:e|ing|er|ed)\w*|spider\w*|data-?mining|auslesen|ausgelesen|auszulesen|harvest\w*",
        "weak": r"\bbots?\b|\broboter\w*|\bautomatisier\w*|\bautomatisch\w*|\bskript\w*|\bprogramm\w*",
        "verb": r"\b(?:zugr\w*|zugriff\w*|zuzugreifen|abruf\w*|abzurufen|sammel\w*|sammeln|erheb\w*|erfass\w*|extrahier\w*|kopier\w*|herunterlad\w*|herunterzuladen|indexier\w*|durchsuch\w*|vervielf[äa]ltig\w*|besuch\w*|gewinn\w*)",
        "prohibit": r"\buntersag\w*|\bverbot\w*|\bunzul[äa]ssig\w*|\bnicht\s+(?:gestattet|erlaubt|zul[äa]ssig|berechtigt)|\b(?:d[üu]rf|darf)\w*\s+(?:[\w'’-]+\s+){0,10}?(?:nicht|keine\w*)\b|\bkeine\w*\s+(?:[\w'’-]+\s+){0,8}?(?:d[üu]rf|darf)\w*|\bverpflichte\w*\s+sich\w*,?\s+(?:[\w'’-]+\s+){0,10}?nicht\b|\bunterlass\w*|\b(?:verwenden|nutzen|benutzen|setzen)\s+sie\s+(?:[\w'’-]+\s+){0,4}?(?:keine\w*|nicht)\b",
        "reserve": r"\bvorbehalt\w*|\bbeh[äa]lt\w*\s+(?:[\w'’-]+\s+){0,8}?vor\b|\bbehalten\s+(?:[\w'’-]+\s+){0,8}?vor\b|§\s*44b|\bwiderspr\w*",
        "ai": r"\bki\b|\bk\.i\.|\bki-\w+|\bk[üu]nstlich\w*\s+intelligenz|\bmaschinell\w*\s+lern\w*|\bsprachmodell\w*|\btext-\s*und\s*data-?mining|§\s*44b",
        "train": r"\btrainier\w*|\btraining\w*|\bentwickl\w*|\bverbesser\w*",
        "we_neg": r"\bwir\s+(?!erlauben|gestatten|dulden|gew[äa]hren)\w+\s+(?:[\w'’-]+\s+){0,3}?(?:keine\w*|nicht)\b|\bwenn\s+sie\s+(?:[\w'’-]+\s+){0,4}?nicht\b|\bnicht\s+(?:untersagt|verboten)\b",
        "oblige": r"\bm[üu]ss\w*\b|\bhaben\s+(?:[\w'’-]+\s+){0,6}?zu\b|\bsind\s+verpflichtet\b|\bist\s+verpflichtet\b",
        "purpose": r"\b(?:zum|zur|f[üu]r|zwecks|um)\b",
    },
    "es": {
        "strong": r"\brastre(?:ad\w*|ar|o|os)\b|\bara[ñn]as?\b|\braspado\b|\bextracci[óo]n\s+(?:automatizada|masiva|sistem[áa]tica)|\bminer[íi]a\s+de\s+datos|\brecolecci[óo]n\s+automatizada",
        "weak": r"\brobots?\b|\bbots?\b|\bautomatizad\w+|\bautom[áa]tic\w+|\bscripts?\b",
        "verb": r"\b(?:acced\w*|acceso|recopil\w*|recolect\w*|extra(?:er|iga|e|en|cci[óo]n)\w*|copi\w+|descarg\w+|obten\w+|index\w+|monitor\w+|reproduc\w+|recab\w+|rastre\w+)",
        "prohibit": r"\bprohib\w*|\bproh[íi]b\w*|\bno\s+(?:est[áa]n?|ser[áa]n?)\s+(?:permitid|autorizad)\w*|\bno\s+(?:se\s+)?(?:podr[áa]n?|puede[ns]?|debe[ns]?|deber[áa]n?|permite[ns]?|utilice[ns]?|use[ns]?|utilizar[áa]n?)\b|\bse\s+compromete\w*\s+a\s+no\b|\bacepta\w*\s+no\b|\babstener\w*|\bqueda\w*\s+(?:terminantemente\s+|expresamente\s+)?prohibid\w*",
        "reserve": r"\breserva\w*\s+(?:[\w'’-]+\s+){0,3}derechos\b|\breserva\s+expresa|\bse\s+opone\w*|\boposici[óo]n\b",
        "ai": r"\binteligencia\s+artificial\b|\bIA\b|\baprendizaje\s+(?:autom[áa]tico|profundo)\b|\bminer[íi]a\s+de\s+textos\s+y\s+datos|\bmodelos?\s+de\s+lenguaje",
        "train": r"\bentren\w*|\bdesarroll\w*|\bmejor\w*",
        "we_neg": r"\b(?:nosotros\s+)?no\s+(?!permitimos|autorizamos|toleramos|aceptamos)\w+mos\b|\bsi\s+(?:usted\s+)?no\s+\w+",
        "oblige": r"\bdebe[ns]?\b|\bdeber[áa]n?\b|\best[áa]n?\s+obligad\w+|\btiene[ns]?\s+que\b",
        "purpose": r"\b(?:para|con\s+(?:el\s+)?fin\s+de|con\s+fines\s+de|a\s+efectos\s+de)\b",
    },
    "it": {
        "strong": r"\bestrazione\s+(?:automatizzata|sistematica|massiva)|\braccolta\s+automatizzata|\bragni\b|\bspider\w*|\bcrawl\w*|\bscraping\b",
        "weak": r"\brobot\b|\bbot\b|\bautomatizzat\w+|\bautomatic\w+|\bscript\b|\bsoftware\b",
        "verb": r"\b(?:acced\w*|accesso|raccog\w*|raccolt\w*|estra\w*|copi\w*|scaric\w*|otten\w*|indicizz\w*|monitor\w*|riprodu\w*)",
        "prohibit": r"\bvietat\w*|\bvieta\w*|\bproibit\w*|\bnon\s+(?:è|e['’]|sono|sar[àa])\s+(?:consentit|permess|autorizzat)\w*|\bnon\s+(?:pu[òo]|possono|potr[àa]|potranno|deve|devono|dovr[àa]|dovranno|utilizzare|usare)\b|\bsi\s+impegna\w*\s+a\s+non\b|\baccett\w*\s+di\s+non\b|\bastener\w*|\bdivieto\b",
        "reserve": r"\briserva\w*\s+(?:[\w'’-]+\s+){0,3}diritti\b|\briserva\s+espressa|\bsi\s+oppone\w*|\bopposizione\b",
        "ai": r"\bintelligenza\s+artificiale\b|\bIA\b|\bapprendimento\s+(?:automatico|profondo)\b|\bestrazione\s+di\s+testo\s+e\s+(?:di\s+)?dati|\bmodelli\s+linguistici",
        "train": r"\baddestr\w*|\bsvilupp\w*|\bmiglior\w*",
        "we_neg": r"\b(?:noi\s+)?non\s+(?!consentiamo|permettiamo|autorizziamo|tolleriamo)\w+iamo\b|\bse\s+(?:l['’]utente\s+)?non\s+\w+",
        "oblige": r"\bdev(?:e|ono)\b|\bdovr(?:à|anno)\b|\bsono\s+tenut\w+|\bè\s+tenut\w+",
        "purpose": r"\b(?:per|al\s+fine\s+di|a\s+fini\s+di|allo\s+scopo\s+di)\b",
    },
    "pt": {
        "strong": r"\braspagem\b|\brastread\w+|\bextra[çc][ãa]o\s+(?:automatizada|sistem[áa]tica|massiva)|\bminera[çc][ãa]o\s+de\s+dados|\bcoleta\s+automatizada|\brecolha\s+automatizada|\baranhas?\b",
        "weak": r"\brob[ôo]s?\b|\bbots?\b|\bautomatizad\w+|\bautom[áa]tic\w+|\bscripts?\b",
        "verb": r"\b(?:acess\w*|aced\w*|colet\w*|recolh\w*|extra\w*|copi\w*|baix\w*|descarreg\w*|obt\w*|index\w*|monitor\w*|reproduz\w*)",
        "prohibit": r"\bproib\w*|\bvedad\w*|\bn[ãa]o\s+(?:é|e|s[ãa]o|ser[áa]|ser[ãa]o)\s+(?:permitid|autorizad)\w*|\bn[ãa]o\s+(?:pode|podem|poder[áa]|poder[ãa]o|deve|devem|dever[áa]|dever[ãa]o|utilize|use|usar|utilizar)\b|\bcompromete\w*\s+a\s+n[ãa]o\b|\bconcorda\w*\s+em\s+n[ãa]o\b|\babster\w*",
        "reserve": r"\breserva\w*\s+(?:[\w'’-]+\s+){0,3}direitos\b|\breserva\s+expressa|\bse\s+op[õo]e\w*|\boposi[çc][ãa]o\b",
        "ai": r"\bintelig[êe]ncia\s+artificial\b|\bIA\b|\baprendizado\s+de\s+m[áa]quina\b|\baprendizagem\s+autom[áa]tica\b|\bminera[çc][ãa]o\s+de\s+textos\s+e\s+dados|\bmodelos?\s+de\s+linguagem",
        "train": r"\btrein\w*|\bdesenvolv\w*|\bmelhor\w*",
        "we_neg": r"\b(?:n[óo]s\s+)?n[ãa]o\s+(?!permitimos|autorizamos|toleramos|aceitamos)\w+mos\b|\bse\s+(?:voc[êe]\s+)?n[ãa]o\s+\w+",
        "oblige": r"\bdeve[m]?\b|\bdever[áa]o?\b|\bs[ãa]o\s+obrigad\w+|\btem\s+que\b",
        "purpose": r"\b(?:para|a\s+fim\s+de|com\s+o\s+objetivo\s+de|com\s+(?:a\s+)?finalidade\s+de)\b",
    },
}

_SEARCH = r"search\s+engines?|moteurs?\s+de\s+recherche|suchmaschine\w*|motor(?:es)?\s+de\s+b[úu]squeda|buscador(?:es)?|motori\s+di\s+ricerca|mecanismos?\s+de\s+(?:busca|pesquisa)|motores?\s+de\s+(?:busca|pesquisa)"
_EXCEPT = (r"\bexcept\w*|\bother\s+than\b|\bunless\b|\bexcluding\b|\bsave\s+for\b|\bapart\s+from\b|\bexempt\w*|\bdoes\s+not\s+apply|\bdo\s+not\s+apply"
           r"|\bsauf\b|\bà\s+l['’]exception|\bhormis\b|\bexcept[ée]|\bne\s+s['’]applique\s+pas|\bausgenommen\b|\bau[ßs]er\b|\bausnahme\w*|\bgilt\s+nicht"
           r"|\bexcepto\b|\bsalvo\b|\bexcepci[óo]n|\bno\s+se\s+aplica|\beccetto\b|\btranne\b|\beccezione\b|\bnon\s+si\s+applica|\bexceto\b|\bexce[çc][ãa]o|\bn[ãa]o\s+se\s+aplica")
_GRANT = r"\bmay\b|\bpermi\w*|\ballow\w*|\bauthori[sz]\w*|\bentitled\b|\bpeuvent\b|\bautoris\w*|\bd[üu]rf\w*|\berlaubt\b|\bgestattet\b|\bpueden\b|\bpermitid\w*|\bpossono\b|\bconsentit\w*|\bpodem\b"
_ROBOTS_TXT = r"robots\.txt"
_COMPLY = (r"\baccordance|\bcompl(?:y|ies|iance)|\brespect\w*|\bobey\w*|\bhonou?r\w*|\bpermitted\s+by|\ballowed\s+by|\bfollow\w*|\bconform\w*|\bgem[äa][ßs]|\bentsprechend|\bbeacht\w*"
           r"|\brespet\w*|\bde\s+acuerdo|\bconforme\w*|\bconformit\w*|\brispett\w*|\bde\s+acordo|\brespeit\w*|\bcumpl\w*|\bsegún\b|\bselon\b")
_RATE = (r"\b(?:more\s+than|exceed\w*|faster\s+than|plus\s+de|d[ée]pass\w*|mehr\s+als|[üu]berschreit\w*|m[áa]s\s+de|super\w*|pi[ùu]\s+di|mais\s+de|exced\w*)\s+(?:[\w'’-]+\s+){0,4}?"
         r"(?:requests?|requ[êe]tes?|anfragen|abrufe|solicitudes|peticiones|richieste|requisi[çc][õo]es|pages?|seiten|p[áa]ginas|pagine)\b|\bthan\s+a\s+human\b|\bque\s+(?:ne\s+le\s+ferait\s+)?un\s+humain|\bals\s+ein\s+mensch|\bque\s+un\s+(?:ser\s+)?humano|\bdi\s+un\s+essere\s+umano|\bdo\s+que\s+um\s+(?:ser\s+)?humano")
_PERMISSION = (r"\b(?:without|unless|except\s+with)\s+(?:[\w'’-]+\s+){0,4}?(?:permission|consent|authori[sz]ation|approval|agreement)|\bsans\s+(?:[\w'’-]+\s+){0,3}?(?:autorisation|accord|consentement)"
               r"|\bohne\s+(?:[\w'’-]+\s+){0,3}?(?:zustimmung|genehmigung|erlaubnis|einwilligung)|\bsin\s+(?:[\w'’-]+\s+){0,3}?(?:autorizaci[óo]n|consentimiento|permiso)"
               r"|\bsenza\s+(?:[\w'’-]+\s+){0,3}?(?:autorizzazione|consenso|permesso)|\bsem\s+(?:[\w'’-]+\s+){0,3}?(?:autoriza[çc][ãa]o|consentimento|permiss[ãa]o)")
_API = r"\bapis?\b|\bofficial\s+(?:apps?|clients?|interfaces?)\b"
_COMMERCIAL = r"\b(?:commercial|commerciale?s?|kommerziell\w*|gewerblich\w*|comercial\w*|commerciali)\b"
_OWN_BOTS = (r"\b(?:your|their)\s+(?:own\s+)?(?:bots?|apps?|applications?|chatbots?)\b|\bbots?\s+(?:that\s+)?you\s+(?:create|build|develop|run|operate|make)\b|\bbots?\s+(?:created|built|made)\s+(?:with|using|on)\b|\bbot\s+api\b"
             r"|\bvos\s+(?:propres\s+)?(?:bots?|robots?|applications?)\b|\bihre\s+(?:eigenen\s+)?(?:bots?|apps?)\b|\bsus\s+(?:propios\s+)?(?:bots?|aplicaciones)\b|\bi\s+(?:tuoi|suoi|vostri)\s+bot\b|\b(?:seus|suas)\s+(?:pr[óo]prios\s+)?(?:bots?|aplicativos)\b")
_OR = r"\bor\b|\bnor\b|\bou\b|\boder\b|\bo\b|\bu\b|\bnonch[ée]\b|;"
_TDM = re.compile(r"mining|\btdm\b|44b|fouille|miner[íi]a|estrazione\s+di\s+testo|minera[çc]", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:(?:[-*•·–]|\(?[a-z0-9ivx]{1,4}[.)])\s+)+", re.I)
_ABBR = re.compile(r"\b(?:e\.g|i\.e|etc|z\.b|d\.h|u\.a|bzw|vgl|p\.ex|p\.\s?ej|ex|art|arts|no|nr|inc|ltd|co|vs|cf|ecc|ca|approx|incl|sec|par|s\.a|n[º°o])\.$", re.I)


@dataclass(frozen=True)
class Clause:
    """One matched sentence, its kind (access | ai-train | condition) and the exceptions it names."""

    text: str
    kind: str
    exceptions: tuple[str, ...] = ()

    @property
    def satisfiable(self) -> bool:
        """A polite crawler can meet one of its exceptions (search engines, robots.txt, rate, non-commercial)."""
        return bool(set(self.exceptions) & SATISFIABLE)


SATISFIABLE = frozenset({"public search engines", "robots.txt compliance", "rate limits", "non-commercial use"})


@dataclass(frozen=True)
class TermsVerdict:
    """The outcome: ``verdict`` is forbidden | conditional | none found; ``clauses`` are the quoted sentences."""

    verdict: str
    clauses: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    purposes_forbidden: set[str] = field(default_factory=set)
    details: tuple[Clause, ...] = ()


def analyse(text: str, lang: str | None = None) -> TermsVerdict:
    """Analyse terms text (use ``text.html_to_text`` for HTML); ``lang`` tries that language (+ English) first."""
    if lang in LANGS and lang != "en":
        narrow = _analyse(text, tuple(sorted({lang, "en"})))
        return narrow if narrow.verdict != "none found" else _analyse(text, LANGS)  # a wrong lang attribute
    return _analyse(text, LANGS)


def _analyse(text: str, langs: tuple[str, ...]) -> TermsVerdict:
    rx = _compiled(langs)
    sentences = segments(text)
    found: list[Clause] = []
    for i, (sentence, lead) in enumerate(sentences):
        following = sentences[i + 1][0] if i + 1 < len(sentences) else ""
        clause = _classify(sentence, lead, following, rx)
        if clause and clause.text not in {c.text for c in found}:
            found.append(clause)
    return _verdict(found)


def segments(text: str) -> list[tuple[str, str | None]]:
    """Sentences, each with the lead-in (a line ending with ":") that a list item continues."""
    out: list[tuple[str, str | None]] = []
    lead: str | None = None
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        is_item = bool(_LIST_ITEM.match(line))
        if not is_item:
            lead = None
        parts = _sentences(_LIST_ITEM.sub("", line) if is_item else line)
        out += [(s, lead) for s in parts]
        if line.endswith(":"):
            lead = parts[-1] if parts else line
    return out


def _sentences(line: str) -> list[str]:
    chunks = re.split(r"(?<=[.!?])\s+(?=[\"“«(¿¡]?[A-ZÀ-ÖØ-Þ0-9])", line)
    out: list[str] = []
    for chunk in chunks:
        if out and _ABBR.search(out[-1]):
            out[-1] += " " + chunk
        else:
            out.append(chunk)
    return [s.strip() for s in out if s.strip()]


@lru_cache(maxsize=16)
def _compiled(langs: tuple[str, ...]) -> dict[str, re.Pattern[str]]:
    keys = _VOCAB["en"].keys()
    rx = {k: re.compile("|".join(f"(?:{_VOCAB[l][k]})" for l in langs), re.I) for k in keys}
    for name, pattern in (("search", _SEARCH), ("except", _EXCEPT), ("grant", _GRANT), ("robots_txt", _ROBOTS_TXT), ("comply", _COMPLY),
                          ("rate", _RATE), ("permission", _PERMISSION), ("api", _API), ("commercial", _COMMERCIAL),
                          ("own_bots", _OWN_BOTS), ("or", _OR)):
        rx[name] = re.compile(pattern, re.I)
    return rx


def _classify(sentence: str, lead: str | None, following: str, rx: dict[str, re.Pattern[str]]) -> Clause | None:
    full = f"{lead} … {sentence}" if lead else sentence
    cleaned = rx["we_neg"].sub(" ~ ", full)  # the site describing itself, "if you do not", "not prohibited"
    strong, weak, verb = rx["strong"].search(sentence), rx["weak"].search(sentence), rx["verb"].search(full)
    ai = rx["ai"].search(sentence)
    automated = strong or (weak and verb)
    if not (strong or weak or ai):
        return None
    if rx["own_bots"].search(full) and not strong:
        return None
    prohibited = rx["prohibit"].search(cleaned)
    crawl_terms = (strong or weak) and (rx["robots_txt"].search(full) or rx["rate"].search(full))
    if crawl_terms and not automated and not ai and (prohibited or rx["oblige"].search(cleaned)):
        return Clause(_quote(full), "condition", _exceptions(full, "", rx))
    if not prohibited:
        if ai and rx["reserve"].search(cleaned) and (_TDM.search(sentence) or rx["train"].search(sentence)):
            return Clause(_quote(full), "ai-train")
        if automated and rx["oblige"].search(cleaned) and (rx["robots_txt"].search(full) or rx["rate"].search(full)):
            return Clause(_quote(full), "condition", _exceptions(full, "", rx))
        return None
    if ai and (not automated or _purpose_limited(sentence, ai, strong or weak, rx)):
        return Clause(_quote(full), "ai-train")
    if not automated:
        return None
    exceptions = _exceptions(full, following, rx)
    if rx["commercial"].search(sentence) and re.search(r"\b(?:for|à\s+des\s+fins|zu|f[üu]r|con\s+fines|per\s+(?:scopi|fini)|para\s+fins|para)\b", sentence, re.I):
        exceptions += ("non-commercial use",)
    return Clause(_quote(full), "access", exceptions)


def _purpose_limited(sentence: str, ai: re.Match[str], general: re.Match[str] | None, rx: dict[str, re.Pattern[str]]) -> bool:
    """"Scrape ... to train AI" (purpose-limited) versus "scrape ..., or use it to train AI" (two bans)."""
    if general is None or ai.start() < general.start():
        return True
    last = max((m for m in (*rx["strong"].finditer(sentence), *rx["weak"].finditer(sentence)) if m.start() < ai.start()),
               key=lambda m: m.start(), default=None)
    if last is None:
        return True
    between = sentence[last.end():ai.start()]
    return not rx["or"].search(between) and bool(rx["purpose"].search(between) or rx["train"].search(between))


def _exceptions(clause: str, following: str, rx: dict[str, re.Pattern[str]]) -> tuple[str, ...]:
    found = []
    if rx["search"].search(clause) and rx["except"].search(clause):
        found.append("public search engines")
    elif rx["search"].search(following) and (rx["except"].search(following) or rx["grant"].search(following)) and not rx["prohibit"].search(rx["we_neg"].sub(" ", following)):
        found.append("public search engines")
    if rx["robots_txt"].search(clause) and rx["comply"].search(clause):
        found.append("robots.txt compliance")
    if rx["rate"].search(clause):
        found.append("rate limits")
    if rx["permission"].search(clause):
        found.append("prior permission")
    if rx["api"].search(clause) and rx["except"].search(clause):
        found.append("official API")
    return tuple(found)


def _quote(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _verdict(found: list[Clause]) -> TermsVerdict:
    access = [c for c in found if c.kind == "access"]
    exceptions = sorted({e for c in found for e in c.exceptions})
    quotes = [c.text for c in found]
    if any(not c.satisfiable for c in access):
        return TermsVerdict("forbidden", quotes, exceptions, set(PURPOSES), tuple(found))
    if not found:
        return TermsVerdict("none found")
    purposes: set[str] = set()
    if any(c.kind == "ai-train" for c in found):
        purposes.add("ai-train")
    for c in access:
        if "public search engines" in c.exceptions and not {"rate limits", "non-commercial use"} & set(c.exceptions):
            purposes |= PURPOSES - {"search"}
    return TermsVerdict("conditional", quotes, exceptions, purposes, tuple(found))
