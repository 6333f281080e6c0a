"""Words and phrases the terms reader looks for, per language (en, fr, de, es, it, pt), as regular expressions.

Each language has: ``strong`` (automated collection on its own: scrape, crawl, aspirer, raspagem), ``weak``
(robot, bot, automated, script: only with a ``verb`` of access or copying), ``program`` (bans without those
words: software, programmatic, systematic, in bulk), ``prohibit``, ``reserve`` (rights reservations for
AI/TDM), ``ai``, ``train``, ``we_neg`` (the site describing itself, "if you do not", "not prohibited",
"nothing here prohibits": removed before looking for a prohibition), ``oblige``, ``purpose``, ``restrict``
("only", "provided that", "as long as": a permission with strings attached), ``human`` (access reserved to
people with a browser) and ``context`` (games, chat assistants, the site's own systems: bot words there are
not about crawlers).
"""

from __future__ import annotations

import re

from crawler.decide.purposes import PURPOSES as _PURPOSES

PURPOSES = frozenset(_PURPOSES)
LANGS = ("en", "fr", "de", "es", "it", "pt")
W = r"(?:[\w'’-]+\s+)"  # one word and its space

# Per language: strong, weak, verb, prohibition, reservation, ai, first-person negation, obligation.
VOCAB: dict[str, dict[str, str]] = {
    "en": {
        "strong": r"\bbulk\s+download\w*|\bdownload\w*\s+in\s+bulk|scrap(?:e|es|ed|ing|er|ers)\b|crawl\w*|spider\w*|harvest\w*|data[- ]?min(?:e|es|ed|ing)\b|screen[- ]scrap\w*|offline\s+readers?",
        "weak": r"\brobots?\b|\bbots?\b|\bautomat(?:ed|ic|ically|ion)\b|\bscripts?\b|\bdata\s+gathering\b|\bextraction\s+tools?\b",
        "verb": r"\b(?:access\w*|collect\w*|gather\w*|extract\w*|cop(?:y|ies|ying)|download\w*|retriev\w*|index\w*|monitor\w*|obtain\w*|quer(?:y|ies)|request\w*|fetch\w*|visit\w*|mine|mining|aggregat\w*|reproduc\w*|search\w*|archiv\w*|capture\w*|read)\b",
        "prohibit": r"\b(?:may|must|shall|will|can|should)\s+not\b|\bcannot\b|\b(?:mustn|can|won|shan)['’]t\b|\bagree\w*\s+(?:that\s+you\s+will\s+)?not\s+to\b|\bagree\w*\s+not\b|\bnot\s+(?:be\s+)?(?:permitted|allowed|authori[sz]ed)\b|\bprohibit\w*|\bforbid\w*|\bdo\s+not\b|\bdon['’]t\b|\bno\s+(?:one|person|user|party)\s+(?:may|shall)\b|\brefrain\s+from\b|\bnot\s+to\s+(?:use|access|employ)\b",
        "reserve": r"\breserv\w*\s+(?:\w+\s+){0,3}rights\b|\bexpressly\s+reserv\w*|\breservation\b|\bopt(?:s|ed)?[- ]out\b",
        "ai": r"\b2019/790\b|\bdsm\s+directive\b|\bartificial\s+intelligence\b|\bmachine[- ]learning\b|\b(?:ai|a\.i\.|llms?|genai)\b|\bgenerative\s+(?:ai|models?)\b|\blanguage\s+models?\b|\btext\s+(?:and|&)\s+data\s+mining\b|\btdm\b|\bneural\s+networks?\b",
        "train": r"\btrain\w*|\bfine[- ]?tun\w*|\bdevelop\w*|\bimprov\w*|\bbuild\w*",
        "we_neg": r"\bwe\s+(?:do|does|will|shall|may|can|would)?\s*(?:not|never)\s+(?!allow|permit|authori|tolerat|accept|grant|licen)\w+|\bwe\s+(?:don|won)['’]t\s+(?!allow|permit|authori|tolerat|accept|grant|licen)\w+|\bour\s+\w+\s+(?:does|do|will)\s+not\s+\w+|\b(?:if|unless|whether)\s+(?:\w+\s+){1,2}(?:do|does|did)\s+not\b|\bnothing\s+in\s+(?:\w+\s+){0,4}(?:prohibit|prevent|restrict|forbid)\w*|\bnot\s+(?:be\s+)?(?:prohibited|forbidden|restricted)\b",
        "oblige": r"\bmust\b|\bshall\b|\bare\s+required\s+to\b|\bhave\s+to\b|\bexpected\s+to\b",
        "purpose": r"\b(?:to|for|in\s+order\s+to|for\s+the\s+purposes?\s+of|as)\b",
    },
    "fr": {
        "strong": r"\bt[ée]l[ée]chargements?\s+massifs?|\baspir(?:er|ation|ateur|ateurs|ant|é|ée)\b|\bmoissonn\w+|\bextraction\s+(?:automatis\w+|syst[ée]matique|massive)|\bcollecte\s+automatis\w+|\brobots?\s+d['’]indexation|\bexploration\s+de\s+donn[ée]es|\bfouille\s+de\s+donn[ée]es",
        "weak": r"\brobots?\b|\bbots?\b|\bautomatis\w+|\bautomatique\w*|\bscripts?\b",
        "verb": r"\b(?:acc[ée]d\w*|interrog\w*|explor\w*|acc[èe]s|collect\w*|recueill\w*|extra\w*|copi\w*|t[ée]l[ée]charg\w*|r[ée]cup[ée]r\w*|index\w*|surveill\w*|consult\w*|reprodu\w*|aspir\w*|parcour\w*)",
        "prohibit": r"\binterdi\w*|\bprohib\w*|\bn['’]?(?:est|sont)\s+pas\s+(?:autoris|permis)\w*|\bne\s+(?:[\w'’-]+\s+){0,3}?pas\b|\bn['’]\w+\s+(?:[\w'’-]+\s+){0,2}?pas\b|\bs['’]engage\w*\s+à\s+ne\s+pas|\bnon\s+autoris\w*|\bà\s+ne\s+pas\b",
        "reserve": r"\bs['’]oppos\w*|\bopposition\b|\bopt-out\b|\br[ée]serv\w*\s+(?:[\w'’-]+\s+){0,3}droits\b|\bexpress[ée]ment\s+r[ée]serv\w*",
        "ai": r"\bintelligence\s+artificielle\b|\bIA\b|\bapprentissage\s+(?:automatique|machine|profond)\b|\bfouille\s+de\s+textes?\s+et\s+de\s+donn[ée]es|\bmod[èe]les?\s+de\s+langage",
        "train": r"\bentra[îi]n\w*|\bd[ée]velopp\w*|\bam[ée]lior\w*|\bconstru\w*",
        "we_neg": r"\bnous\s+n['’]?(?:\w+\s+)?(?!autoris|permet|tol[ée]r|accept|accord)\w+\s+(?:pas|jamais|aucun\w*)\b|\bnous\s+ne\s+(?!autoris|permet|tol[ée]r|accept|accord)\w+\s+(?:pas|jamais|aucun\w*)|\bsi\s+vous\s+ne\s+\w+\s+pas\b|\brien\s+dans\s+(?:\w+\s+){0,4}n['’]interdit",
        "oblige": r"\bdoi(?:t|vent)\b|\bdevez\b|\bsont\s+tenus\b|\best\s+tenu\b",
        "purpose": r"\b(?:pour|afin\s+de|à\s+des\s+fins\s+d['’]|aux\s+fins\s+d['’]|en\s+vue\s+d['’])",
    },
    "de": {
        "strong": r"\bmassenhaft\w*\s+(?:herunterlad\w*|abruf\w*|download\w*)|crawl\w*|scrap(?:e|ing|er|ed)\w*|spider\w*|data-?mining|auslesen|ausgelesen|auszulesen|harvest\w*",
        "weak": r"\bbots?\b|\broboter\w*|\bautomatisier\w*|\bautomatisch\w*|\bskript\w*",
        "verb": r"\b(?:zugr\w*|zugriff\w*|zuzugreifen|abruf\w*|abzurufen|sammel\w*|sammeln|erheb\w*|erfass\w*|extrahier\w*|kopier\w*|herunterl[äa]d\w*|herunterzuladen|indexier\w*|durchsuch\w*|vervielf[äa]ltig\w*|besuch\w*|gewinn\w*)",
        "prohibit": r"\buntersag\w*|\bverbot\w*|\bunzul[äa]ssig\w*|\bnicht\s+(?:gestattet|erlaubt|zul[äa]ssig|berechtigt)|\b(?:d[üu]rf|darf)\w*\s+(?:[\w'’-]+\s+){0,10}?(?:nicht|keine\w*)\b|\bkeine\w*\s+(?:[\w'’-]+\s+){0,8}?(?:d[üu]rf|darf)\w*|\bverpflichte\w*\s+sich\w*,?\s+(?:[\w'’-]+\s+){0,10}?(?:nicht|keine\w*)\b|\bunterlass\w*|\b(?:verwenden|nutzen|benutzen|setzen)\s+sie\s+(?:[\w'’-]+\s+){0,4}?(?:keine\w*|nicht)\b",
        "reserve": r"\bvorbehalt\w*|\bbeh[äa]lt\w*\s+(?:[\w'’-]+\s+){0,8}?vor\b|\bbehalten\s+(?:[\w'’-]+\s+){0,8}?vor\b|§\s*44b|\bwiderspr\w*",
        "ai": r"\bki\b|\bk\.i\.|\bki-\w+|\bk[üu]nstlich\w*\s+intelligenz|\bmaschinell\w*\s+lern\w*|\bsprachmodell\w*|\btext-\s*und\s*data-?mining|§\s*44b",
        "train": r"\btrainier\w*|\btraining\w*|\bentwickl\w*|\bverbesser\w*",
        "we_neg": r"\bwir\s+(?!erlauben|gestatten|dulden|gew[äa]hren)\w+\s+(?:[\w'’-]+\s+){0,3}?(?:keine\w*|nicht)\b|\bwenn\s+sie\s+(?:[\w'’-]+\s+){0,4}?nicht\b|\bnicht\s+(?:untersagt|verboten)\b",
        "oblige": r"\bm[üu]ss\w*\b|\bhaben\s+(?:[\w'’-]+\s+){0,6}?zu\b|\bsind\s+verpflichtet\b|\bist\s+verpflichtet\b",
        "purpose": r"\b(?:zum|zur|f[üu]r|zwecks|um)\b",
    },
    "es": {
        "strong": r"\bdescargas?\s+masivas?|\brastre(?:ad\w*|ar|o|os)\b|\bara[ñn]as?\b|\braspado\b|\bextracci[óo]n\s+(?:automatizada|masiva|sistem[áa]tica)|\bminer[íi]a\s+de\s+datos|\brecolecci[óo]n\s+automatizada",
        "weak": r"\brobots?\b|\bbots?\b|\bautomatizad\w+|\bautom[áa]tic\w+|\bscripts?\b",
        "verb": r"\b(?:acced\w*|acceso|consult\w*|explor\w*|recopil\w*|recolect\w*|extra(?:er|iga|e|en|cci[óo]n)\w*|copi\w+|descarg\w+|obten\w+|index\w+|monitor\w+|reproduc\w+|recab\w+|rastre\w+)",
        "prohibit": r"\bprohib\w*|\bproh[íi]b\w*|\bno\s+(?:est[áa]n?|ser[áa]n?)\s+(?:permitid|autorizad)\w*|\bno\s+(?:se\s+)?(?:podr[áa]n?|puede[ns]?|debe[ns]?|deber[áa]n?|permite[ns]?|utilice[ns]?|use[ns]?|utilizar[áa]n?)\b|\bse\s+compromete\w*\s+a\s+no\b|\bacepta\w*\s+no\b|\babstener\w*|\bqueda\w*\s+(?:terminantemente\s+|expresamente\s+)?prohibid\w*",
        "reserve": r"\breserva\w*\s+(?:[\w'’-]+\s+){0,3}derechos\b|\breserva\s+expresa|\bse\s+opone\w*|\boposici[óo]n\b",
        "ai": r"\binteligencia\s+artificial\b|\bIA\b|\baprendizaje\s+(?:autom[áa]tico|profundo)\b|\bminer[íi]a\s+de\s+textos\s+y\s+datos|\bmodelos?\s+de\s+lenguaje",
        "train": r"\bentren\w*|\bdesarroll\w*|\bmejor\w*",
        "we_neg": r"\b(?:nosotros\s+)?no\s+(?!permitimos|autorizamos|toleramos|aceptamos)\w+mos\b|\bsi\s+(?:usted\s+)?no\s+\w+",
        "oblige": r"\bdebe[ns]?\b|\bdeber[áa]n?\b|\best[áa]n?\s+obligad\w+|\btiene[ns]?\s+que\b",
        "purpose": r"\b(?:para|con\s+(?:el\s+)?fin\s+de|con\s+fines\s+de|a\s+efectos\s+de)\b",
    },
    "it": {
        "strong": r"\bscaricamento\s+massivo|\bscaricare\s+in\s+blocco|\bestrazione\s+(?:automatizzata|sistematica|massiva)|\braccolta\s+automatizzata|\bragni\b|\bspider\w*|\bcrawl\w*|\bscraping\b",
        "weak": r"\brobot\b|\bbot\b|\bautomatizzat\w+|\bautomatic\w+|\bscript\b",
        "verb": r"\b(?:acced\w*|accesso|interrog\w*|esplor\w*|consult\w*|raccog\w*|raccolt\w*|estra\w*|copi\w*|scaric\w*|otten\w*|indicizz\w*|monitor\w*|riprodu\w*)",
        "prohibit": r"\bvietat\w*|\bvieta\w*|\bproibit\w*|\bnon\s+(?:è|e['’]|sono|sar[àa])\s+(?:consentit|permess|autorizzat)\w*|\bnon\s+(?:pu[òo]|possono|potr[àa]|potranno|deve|devono|dovr[àa]|dovranno|utilizzare|usare)\b|\bsi\s+impegna\w*\s+a\s+non\b|\baccett\w*\s+di\s+non\b|\bastener\w*|\bdivieto\b",
        "reserve": r"\briserva\w*\s+(?:[\w'’-]+\s+){0,3}diritti\b|\briserva\s+espressa|\bsi\s+oppone\w*|\bopposizione\b",
        "ai": r"\bintelligenza\s+artificiale\b|\bIA\b|\bapprendimento\s+(?:automatico|profondo)\b|\bestrazione\s+di\s+testo\s+e\s+(?:di\s+)?dati|\bmodelli\s+linguistici",
        "train": r"\baddestr\w*|\bsvilupp\w*|\bmiglior\w*",
        "we_neg": r"\b(?:noi\s+)?non\s+(?!consentiamo|permettiamo|autorizziamo|tolleriamo)\w+iamo\b|\bse\s+(?:l['’]utente\s+)?non\s+\w+",
        "oblige": r"\bdev(?:e|ono)\b|\bdovr(?:à|anno)\b|\bsono\s+tenut\w+|\bè\s+tenut\w+",
        "purpose": r"\b(?:per|al\s+fine\s+di|a\s+fini\s+di|allo\s+scopo\s+di)\b",
    },
    "pt": {
        "strong": r"\bdownload\s+em\s+massa|\braspagem\b|\brastre(?:ad|ament|ar)\w*|\bextra[çc][ãa]o\s+(?:automatizada|sistem[áa]tica|massiva)|\bminera[çc][ãa]o\s+de\s+dados|\bcoleta\s+automatizada|\brecolha\s+automatizada|\baranhas?\b",
        "weak": r"\brob[ôo]s?\b|\bbots?\b|\bautomatizad\w+|\bautom[áa]tic\w+|\bscripts?\b",
        "verb": r"\b(?:acess\w*|consult\w*|explor\w*|aced\w*|colet\w*|recolh\w*|extra\w*|copi\w*|baix\w*|descarreg\w*|obt\w*|index\w*|monitor\w*|reproduz\w*)",
        "prohibit": r"\bproib\w*|\bvedad\w*|\bn[ãa]o\s+(?:é|e|s[ãa]o|ser[áa]|ser[ãa]o)\s+(?:permitid|autorizad)\w*|\bn[ãa]o\s+(?:pode|podem|poder[áa]|poder[ãa]o|deve|devem|dever[áa]|dever[ãa]o|utilize|use|usar|utilizar)\b|\bcompromete\w*(?:-se)?\s+a\s+n[ãa]o\b|\bconcorda\w*\s+em\s+n[ãa]o\b|\babster\w*",
        "reserve": r"\breserva\w*\s+(?:[\w'’-]+\s+){0,3}direitos\b|\breserva\s+expressa|\bse\s+op[õo]e\w*|\boposi[çc][ãa]o\b",
        "ai": r"\bintelig[êe]ncia\s+artificial\b|\bIA\b|\baprendizado\s+de\s+m[áa]quina\b|\baprendizagem\s+autom[áa]tica\b|\bminera[çc][ãa]o\s+de\s+textos\s+e\s+dados|\bmodelos?\s+de\s+linguagem",
        "train": r"\btrein\w*|\bdesenvolv\w*|\bmelhor\w*",
        "we_neg": r"\b(?:n[óo]s\s+)?n[ãa]o\s+(?!permitimos|autorizamos|toleramos|aceitamos)\w+mos\b|\bse\s+(?:voc[êe]\s+)?n[ãa]o\s+\w+",
        "oblige": r"\bdeve[m]?\b|\bdever[áa]o?\b|\bs[ãa]o\s+obrigad\w+|\btem\s+que\b",
        "purpose": r"\b(?:para|a\s+fim\s+de|com\s+o\s+objetivo\s+de|com\s+(?:a\s+)?finalidade\s+de)\b",
    },
}

SEARCH = r"\bgoogle(?:bot)?\b|\bbing(?:bot)?\b|search\s+engines?|moteurs?\s+de\s+recherche|suchmaschine\w*|motor(?:es)?\s+de\s+b[úu]squeda|buscador(?:es)?|motori\s+di\s+ricerca|mecanismos?\s+de\s+(?:busca|pesquisa)|motores?\s+de\s+(?:busca|pesquisa)"
EXCEPT = (r"\bexcept\w*|\bother\s+than\b|\bunless\b|\bexcluding\b|\bsave\s+for\b|\bapart\s+from\b|\bexempt\w*|\bdoes\s+not\s+apply|\bdo\s+not\s+apply"
           r"|\bsauf\b|\bà\s+l['’]exception|\bhormis\b|\bexcept[ée]|\bne\s+s['’]applique\s+pas|\bausgenommen\b|\bau[ßs]er\b|\bausnahme\w*|\bgilt\s+nicht"
           r"|\bexcepto\b|\bsalvo\b|\bexcepci[óo]n|\bno\s+se\s+aplica|\beccetto\b|\btranne\b|\beccezione\b|\bnon\s+si\s+applica|\bexceto\b|\bexce[çc][ãa]o|\bn[ãa]o\s+se\s+aplica")
GRANT = r"\bmay\b|\bpermi\w*|\ballow\w*|\bauthori[sz]\w*|\bentitled\b|\bpeuvent\b|\bautoris\w*|\bd[üu]rf\w*|\berlaubt\b|\bgestattet\b|\bpueden\b|\bpermitid\w*|\bpossono\b|\bconsentit\w*|\bpodem\b"
ROBOTS_TXT = r"robots\.txt"
COMPLY = (r"\bim\s+rahmen\b|\bwithin\s+the\s+limits?\b|\bto\s+the\s+extent\b|\bdans\s+la\s+limite\b|\bnei\s+limiti\b|\bsubject\s+to\b|\bset\s+out\s+in\b|\bin\s+line\s+with\b|\bas\s+specified\b|\bma[ßs]gabe\b|\baccordance|\bcompl(?:y|ies|iance)|\brespect\w*|\bobey\w*|\bhonou?r\w*|\bpermitted\s+by|\ballowed\s+by|\bfollow\w*|\bconform\w*|\bgem[äa][ßs]|\bentsprechend|\bbeacht\w*"
           r"|\brespet\w*|\bde\s+acuerdo|\bconforme\w*|\bconformit\w*|\brispett\w*|\bde\s+acordo|\brespeit\w*|\bcumpl\w*|\bsegún\b|\bselon\b")
RATE = (r"\b(?:more\s+than|exceed\w*|faster\s+than|plus\s+de|d[ée]pass\w*|mehr\s+als|[üu]berschreit\w*|m[áa]s\s+de|super\w*|pi[ùu]\s+di|mais\s+de|exced\w*)\s+(?:[\w'’-]+\s+){0,4}?"
         r"(?:requests?|requ[êe]tes?|anfragen|abrufe|solicitudes|peticiones|richieste|requisi[çc][õo]es|pages?|seiten|p[áa]ginas|pagine)\b|\bthan\s+a\s+human\b|\bque\s+(?:ne\s+le\s+ferait\s+)?un\s+humain|\bals\s+ein\s+mensch|\bque\s+un\s+(?:ser\s+)?humano|\bdi\s+un\s+essere\s+umano|\bdo\s+que\s+um\s+(?:ser\s+)?humano")
PERMISSION = (r"\b(?:without|unless|except\s+with)\s+(?:[\w'’-]+\s+){0,4}?(?:permission|consent|authori[sz]ation|approval|agreement)|\bsans\s+(?:[\w'’-]+\s+){0,3}?(?:autorisation|accord|consentement)"
               r"|\bohne\s+(?:[\w'’-]+\s+){0,3}?(?:zustimmung|genehmigung|erlaubnis|einwilligung)|\bsin\s+(?:[\w'’-]+\s+){0,3}?(?:autorizaci[óo]n|consentimiento|permiso)"
               r"|\bsenza\s+(?:[\w'’-]+\s+){0,3}?(?:autorizzazione|consenso|permesso)|\bsem\s+(?:[\w'’-]+\s+){0,3}?(?:autoriza[çc][ãa]o|consentimento|permiss[ãa]o)")
API = r"\bapis?\b|\bofficial\s+(?:apps?|clients?|interfaces?)\b"
COMMERCIAL = r"\b(?:commercia\w*|comercia\w*|kommerziell\w*|gewerblich\w*)\b"
OWN_BOTS = (r"\b(?:your|their)\s+(?:own\s+)?(?:bots?|apps?|applications?|chatbots?)\b|\bbots?\s+(?:that\s+)?you\s+(?:create|build|develop|run|operate|make)\b|\bbots?\s+(?:created|built|made)\s+(?:with|using|on)\b|\bbot\s+api\b"
             r"|\bvos\s+(?:propres\s+)?(?:bots?|robots?|applications?)\b|\bihre\s+(?:eigenen\s+)?(?:bots?|apps?)\b|\bsus\s+(?:propios\s+)?(?:bots?|aplicaciones)\b|\bi\s+(?:tuoi|suoi|vostri)\s+bot\b|\b(?:seus|suas)\s+(?:pr[óo]prios\s+)?(?:bots?|aplicativos)\b"
            r"|\brobots\s+que\s+vous\s+cr[ée]ez\b|\bbots,?\s+die\s+sie\b|\bbots\s+que\s+(?:usted|voc[êe])\s+cri?e\w*|\bbot\s+che\s+crei\b")
OR = (r"\bor\b|\bnor\b|\band\b|\bou\b|\bainsi\s+que\b|\boder\b|\bsowie\b|\bund\b|\bo\b|\bu\b|\by\s+tambi[ée]n\b|\be\s+(?:il|la|i|le|a|o|os|as)\s+(?:loro|sua|seu|seus|suas)\b"
      r"|\bnonch[ée]\b|;")
TDM = re.compile(r"2019/790|\bdsm\b|mining|\btdm\b|44b|fouille|miner[íi]a|estrazione\s+di\s+testo|minera[çc]", re.I)
LIST_ITEM = re.compile(r"^\s*(?:(?:[-*•·–]|\(?[a-z0-9ivx]{1,4}[.)])\s+)+", re.I)
ABBR = re.compile(r"\b(?:e\.g|i\.e|etc|z\.b|d\.h|u\.a|bzw|vgl|p\.ex|p\.\s?ej|ex|art|arts|no|nr|inc|ltd|co|vs|cf|ecc|ca|approx|incl|sec|par|s\.a|n[º°o])\.$", re.I)



# Added per language: program (automation without the usual words), human (access only for people),
# restrict (a permission with strings attached), extra prohibitions (licence limits, exclusions),
# extra self-descriptions and negations, and contexts where a bot is no crawler.
_MORE: dict[str, dict[str, str]] = {
    "en": {
        "program": r"\bprogram(?:s|matic\w*)?\b|\bsoftware\b|\bmechanical\b|\bdevices?\b|\bsystematic\w*|\bin\s+bulk\b|\bbulk\b|\bautomatic\w*|\bmachine[- ]?readable\b|\bharvesters?\b",
        "human": r"\bother\s+than\s+(?:through|via|by)\s+(?:the|our)\s+(?:[\w'’-]+\s+){0,2}?(?:interfaces?|browsers?|website)\b|\bhuman\s+(?:visitors?|users?|beings?)\s+only\b|\bonly\s+(?:by|for|to)\s+(?:human|people|persons)\b|\bwithout\s+a\s+(?:person|human)\b|\bhuman\s+visitors\b",
        "restrict": r"\bonly\b|\bprovided\s+(?:that\s+)?\b|\bas\s+long\s+as\b|\bon\s+condition\b|\bsolely\b|\bexclusively\b|\breserved\s+(?:to|for)\b|\bif\s+(?:they|it|you)\b",
        "prohibit_more": r"\bdoes\s+not\s+(?:include|extend|cover|permit|allow)\b|\boutside\s+the\s+(?:permission|licen[cs]e|scope)\b|\bnot\s+(?:included|covered)\b|\bturned\s+away\b|\bno\s+data\s+mining\b|\bprohibited\s+conduct\b|\bnot\s+allowed\b|\bnot\s+(?:be\s+)?(?:used|deployed)\b",
        "neg_more": r"\bnothing\s+in\s+(?:[\w'’-]+\s+){0,4}(?:prohibit|prevent|restrict|forbid)\w*|\b(?:is|are)\s+not\s+(?:prohibited|forbidden|restricted|banned)\b|\bwe\s+use\b|\bwe\s+may\s+(?:use|crawl|scan)\b",
        "context": r"\btelephone\b|\bphone\s+calls?\b|\bour\s+(?:own\s+)?(?:bots?|robots?)\b|\bwarrant\w*|\brobot\s+(?:vacuum|mower|cleaner)s?\b|\btelegram\b|\bdiscord\b|\bwhatsapp\b|\bslack\b|\bgames?\b|\bplayers?\b|\bmatch(?:es)?\b|\branked\b|\bmacros?\b|\bcheat\w*|\bchat\s*bots?\b|\bassistant\b|\bwarehouse\b|\bspam\b|\bmessaging\s+api\b|\bvulnerabilit\w*|\bmalware\b",
    },
    "fr": {
        "program": r"\bprogramme\w*|\blogiciel\w*|\bsyst[ée]matique\w*|\bautomatique\w*|\bmassi\w*|\bmoyens?\s+informatiques?\b",
        "human": r"\br[ée]serv[ée]e?s?\s+aux\s+personnes\b|\bpersonnes\s+physiques\b|\buniquement\s+(?:par|pour)\s+des\s+(?:humains|personnes)",
        "restrict": r"\bseul(?:e|s|es)?\b|\buniquement\b|\bexclusivement\b|\bà\s+condition\b|\bsous\s+r[ée]serve\b|\bs['’]ils\b|\bne\s+(?:[\w'’-]+\s+){0,3}qu['’]|\bn['’]\w+\s+(?:[\w'’-]+\s+){0,3}qu['’]|\bdans\s+le\s+cadre\s+d['’]une?\b",
        "prohibit_more": r"\bne\s+s['’][ée]tend\s+pas\b|\bexclu\w*|\bpas\s+admis\b|\bvous\s+vous\s+interdisez\b|\bs['’]interdi\w*|\baucun\w*\s+(?:[\w'’-]+\s+){0,2}ne\s+peu\w*",
        "neg_more": r"\b(?:ne|n['’])\s*(?:[\w'’-]+\s+){0,2}pas\s+interdit\w*|\bn['’]interdit\b|\baucune\s+disposition\b[^.]*\bn['’]interdit|\bnous\s+utilisons\b|\bnotre\s+robot\b",
        "context": r"\bservice\s+client\w*|\bnos\s+robots\b|\bgarantie\b|\brobots?\s+(?:aspirateurs?|de\s+cuisine|tondeuses?)\b|\btelegram\b|\bdiscord\b|\bjeux?\b|\bjoueurs?\b|\bpartie\s+class[ée]e\b|\bmacros?\b|\bchatbot\b|\bassistant\s+virtuel\b|\bmessagerie\b|\bnon\s+sollicit\w+|\bvuln[ée]rabilit\w*|\bvirus\b|\bfrauduleu\w*|\bsurveillance\b",
    },
    "de": {
        "program": r"\bprogramm\w*|\bsoftware\b|\bmaschinell\w*|\bsystematisch\w*|\bselbstt[äa]tig\w*|\bmassenhaft\w*|\bohne\s+menschliches\s+zutun\b",
        "human": r"\bnat[üu]rlichen\s+personen\b|\bausschlie[ßs]lich\s+von\s+menschen\b",
        "restrict": r"\bnur\b|\bausschlie[ßs]lich\b|\bsofern\b|\bsolange\b|\bunter\s+der\s+bedingung\b|\bvorausgesetzt\b|\bbedarf\w*\b|\bben[öo]tigt\b|\bh[öo]chstens\b",
        "prohibit_more": r"\bnicht\s+umfasst\b|\bumfasst\s+nicht\b|\bausgeschlossen\b|\bunzul[äa]ssig\w*|\bverboten\b|\bnicht\s+berechtigt\b",
        "neg_more": r"\bnicht\s+(?:untersagt|verboten)\b|\bnichts\s+in\s+(?:[\w'’-]+\s+){0,4}verbiete\w*|\bwir\s+setzen\b|\bwir\s+(?:crawlen|nutzen)\s+keine\b|\bunser\s+roboter\b",
        "context": r"\bkundenservice\w*|\bkundendienst\w*|\bunsere?\w*\s+(?:bots?|roboter)\b|\bgarantie\b|\bgew[äa]hrleistung\b|\bsaugroboter\w*|\bm[äa]hroboter\w*|\btelegram\b|\bdiscord\b|\bspiel\w*|\bcheats?\b|\bmakros?\b|\bchatbot\b|\bbot-schnittstelle\b|\bwerbung\b|\bspam\b|\bschwachstellen\b|\bschadsoftware\b|\blager\b",
    },
    "es": {
        "program": r"\bprogramas?\s+inform[áa]ticos?\b|\bprogramas?\b|\bsoftware\b|\bsistem[áa]tic\w*|\baplicaciones\s+inform[áa]ticas\b|\bmasiv\w*|\bautom[áa]tic\w*",
        "human": r"\breservado\s+a\s+(?:las\s+)?personas\b|\bpersonas\s+f[íi]sicas\b",
        "restrict": r"\bsolo\b|\bsólo\b|\b[úu]nicamente\b|\bexclusivamente\b|\bsiempre\s+que\b|\bcon\s+la\s+condici[óo]n\b|\ba\s+trav[ée]s\s+de\b",
        "prohibit_more": r"\bno\s+incluye\b|\bse\s+excluye\b|\bexclu\w*|\bse\s+abstendr[áa]\b|\bno\s+se\s+permite\b|\bno\s+est[áa]\s+permitid\w*|\bno\s+se\s+pueden\b",
        "neg_more": r"\bno\s+est[áa]n?\s+prohibid\w*|\bnada\s+(?:[\w'’-]+\s+){0,6}proh[íi]be\b|\butilizamos\b|\bno\s+rastreamos\b|\bnuestros\s+robots\b",
        "context": r"\batenci[óo]n\s+al\s+cliente\b|\bnuestros?\s+(?:bots?|robots?)\b|\bgarant[íi]a\b|\brobots?\s+(?:aspirador\w*|de\s+cocina|cortac[ée]sped)\b|\btelegram\b|\bdiscord\b|\bjueg\w*|\bjugador\w*|\bpartidas?\b|\bmacros?\b|\bchatbot\b|\basistente\b|\bmensajer[íi]a\b|\bpublicidad\b|\bvirus\b|\bseguridad\b|\bfraude\b|\balmac[ée]n\b",
    },
    "it": {
        "program": r"\bprogramm\w*|\bsoftware\b|\bsistematic\w*|\bapplicazioni\s+informatiche\b|\bmassiv\w*|\bin\s+blocco\b|\bautomatic\w*",
        "human": r"\besclusivamente\s+da\s+persone\b|\bpersone\s+fisiche\b",
        "restrict": r"\bsolo\b|\bsoltanto\b|\besclusivamente\b|\bpurch[ée]\b|\ba\s+condizione\b|\briservat\w+\s+a\b|\btramite\b",
        "prohibit_more": r"\bnon\s+comprende\b|\b[èe]\s+escluso\b|\bescluso\b|\bsi\s+astiene\b|\bnon\s+[èe]\s+permesso\b|\bnon\s+potrete\b|\bnon\s+si\s+possono\b",
        "neg_more": r"\bnon\s+[èe]\s+vietat\w*|\bnessuna\s+disposizione\b[^.]*\bvieta\b|\butilizziamo\b|\bil\s+sito\s+utilizza\b|\bdel\s+nostro\s+magazzino\b",
        "context": r"\bassisten\w*|\bnostr[oi]\s+(?:bot|robot)\b|\bgaranzia\b|\brobot\s+(?:aspirapolvere|da\s+cucina|tagliaerba|rasaerba)\b|\baspirapolvere\b|\btelegram\b|\bdiscord\b|\bgioc\w*|\bpartite\b|\bmacro\b|\bchatbot\b|\bassistente\s+virtuale\b|\bmessaggistica\b|\bpubblicit[àa]\b|\bvirus\b|\bvulnerabilit[àa]\b|\bmagazzino\b|\bclassifica\b",
    },
    "pt": {
        "program": r"\bprogramas?\s+de\s+computador\b|\bprogramas?\b|\bsoftware\b|\bsistem[áa]tic\w*|\baplicativos\b|\bem\s+massa\b|\bautom[áa]tic\w*",
        "human": r"\breservado\s+a\s+pessoas\b|\bpessoas\s+f[íi]sicas\b",
        "restrict": r"\bs[óo]\b|\bsomente\b|\bapenas\b|\bexclusivamente\b|\bdesde\s+que\b|\bcom\s+a\s+condi[çc][ãa]o\b|\batrav[ée]s\s+d[ae]\b",
        "prohibit_more": r"\bn[ãa]o\s+inclui\b|\bfica\s+exclu[íi]do\b|\bexclu[íi]d\w*|\bse\s+abster[áa]\b|\bn[ãa]o\s+se\s+podem\b|\bn[ãa]o\s+[ée]\s+permitid\w*",
        "neg_more": r"\bn[ãa]o\s+[ée]\s+proibid\w*|\bnada\s+(?:[\w'’-]+\s+){0,4}pro[íi]be\b|\butilizamos\b|\bn[ãa]o\s+rastreamos\b|\bdo\s+nosso\s+armaz[ée]m\b",
        "context": r"\batendimento\b|\bnoss[oa]s?\s+(?:bots?|rob[ôo]s?)\b|\bgarantia\b|\brob[ôo]s?\s+(?:aspirador\w*|de\s+cozinha|cortador\w*)\b|\btelegram\b|\bdiscord\b|\bjog\w*|\bpartidas?\b|\bmacros?\b|\bchatbot\b|\bassistente\s+virtual\b|\bmensagens\b|\bpublicidade\b|\bv[íi]rus\b|\bseguran[çc]a\b|\bfraudes?\b|\barmaz[ée]m\b",
    },
}
#: Words that make a program word the *means* of access ("by software"), not the thing copied ("copy the software").
_MEANS = {'en': '\\b(?:using|uses?|used|with|by|through|via|employ\\w*|deploy\\w*|run\\w*|any|means\\s+of|acting|that\\s+(?:makes?|sends?|requests?))\\b',
    'fr': "\\b(?:au\\s+moyen\\s+d[eu']|par|avec|à\\s+l['’]aide\\s+d[eu']|utilis\\w*|recour\\w*|emploi\\w*|moyens?)\\b", 'de': '\\b(?:mittels|mit|durch|über|einsetz\\w*|einzusetzen|verwend\\w*|nutz\\w*|einsatz|verwendung|die\\s+selbstt[äa]tig)\\b',
    'es': '\\b(?:mediante|con|por|usar|uso|utiliz\\w*|emple\\w*|a\\s+trav[ée]s\\s+de|medios?)\\b',
    'it': '\\b(?:mediante|con|tramite|per\\s+mezzo\\s+di|us\\w*|utilizz\\w*|impieg\\w*)\\b',
    'pt': '\\b(?:por|com|atrav[ée]s\\s+d[eoa]s?|usar|uso|utiliz\\w*|empreg\\w*|meios?)\\b'}
for _lang, _extra in _MORE.items():
    VOCAB[_lang].update(_extra)
    VOCAB[_lang]["means"] = _MEANS[_lang]

#: Ways out that name an API, a protocol or files to use instead of the pages.
API_ROUTE = (r"\bapis?\b|\boai[- ]?pmh\b|\bofficial\s+(?:apps?|clients?|interfaces?)\b|\bdownload\s+files\b|\bdumps?\b|\bdata\s+feeds?\b"
             r"|\bschnittstelle\b|\bentrep[ôo]t\b|\binterfaccia\b")
#: A ban that names the way out of a licence, contract or written agreement.
LICENCE = (r"\b(?:unless|except)\s+(?:[\w'’-]+\s+){0,3}?(?:authori[sz]ed|permitted|approved|licensed)\s+(?:by\s+us|in\s+writing)\b"
           r"|\bin\s+writing\b|\baccord\s+pr[ée]alable\b|\bvorab\s+(?:schriftlich\s+)?(?:zugestimmt|genehmigt)"
           r"|\b(?:prior|separate|written|express)\s+(?:[\w'’-]+\s+){0,2}?(?:permission|consent|agreement|licen[cs]e|authori[sz]ation)\b"
           r"|\blicen[cs]e\s+from\s+us\b|\bunder\s+a\s+(?:[\w'’-]+\s+){0,2}agreement\b|\bunless\s+you\s+have\s+our\b"
           r"|\baccord\s+[ée]crit\b|\bautorisation\s+pr[ée]alable\b|\bdans\s+le\s+cadre\s+d['’]une\s+licence\b"
           r"|\blizenz\w*\b|\b(?:vorherige|schriftliche)\w*\s+(?:[\w'’-]+\s+){0,2}?(?:zustimmung|erlaubnis|genehmigung)\b"
           r"|\bacuerdo\s+escrito\b|\bcontrato\s+de\s+licencia\b|\bautorizaci[óo]n\s+previa\b"
           r"|\baccordo\s+scritto\b|\bcontratto\s+di\s+licenza\b|\bautorizzazione\s+scritta\b|\bpreventiva\s+autorizzazione\b"
           r"|\bacordo\s+escrito\b|\bcontrato\s+de\s+licen[çc]a\b|\bautoriza[çc][ãa]o\s+pr[ée]via\b")
#: An exception taken back: "even if robots.txt is obeyed".
DENIED = (r"\bincluding\s+(?:those|bots|crawlers|robots|ones|tools)\s+(?:that|which)\b|\by\s+compris\s+(?:ceux|les)\b|\beinschlie[ßs]lich\s+(?:solcher|derer)\b"
          r"|\bincluso\s+(?:los|aquellos)\s+que\b|\bcompresi\s+quelli\b|\binclusive\s+(?:os|aqueles)\s+que\b|\beven\s+(?:to|if|when|for)\b|\bdoes\s+not\s+grant\b|\bauch\s+dann\b|\bauch\s+wenn\b|\bm[êe]me\s+si\b|\baunque\b"
          r"|\banche\s+(?:qualora|se)\b|\bmesmo\s+que\b")
#: Research or non-commercial use as the way out.
RESEARCH = (r"\bnon[- ]?commercial\b|\bacademic\b|\bresearch\b|\brecherche\s+non\s+commerciale\b|\bnicht[- ]kommerziell\w*"
            r"|\bwissenschaftlich\w*|\bforschung\b|\binvestigaci[óo]n\b|\bno\s+comercial\b|\bricerca\b|\bnon\s+commerciale\b|\bpesquisa\b|\bn[ãa]o\s+comercial\b")
