"""The Swedish words of the annual export: code names and the footnotes that define figures."""

from __future__ import annotations

from datetime import datetime

from service.reporting.answer import ReportSettings
from service.reporting.years import in_stockholm
from service.statistics.cell_key import max_noise

EXIT_REASON_NAMES = {
    "work": "Arbete",
    "subsidised_work": "Subventionerad anställning",
    "studies": "Studier",
    "job_seeking": "Arbetssökande hos Arbetsförmedlingen",
    "vocational_rehab": "Annan arbetslivsinriktad rehabilitering",
    "medical_rehab": "Medicinsk rehabilitering, vård",
    "sickness_compensation": "Sjuk- eller aktivitetsersättning",
    "parental_leave": "Föräldraledighet",
    "moved": "Flytt",
    "discontinued": "Avbrott (egen begäran eller utebliven)",
    "other": "Annat",
}
SUPPORT_NAMES = {
    "none": "Ingen offentlig försörjning",
    "social_assistance": "Försörjningsstöd",
    "sickness_benefit": "Sjukpenning",
    "activity_compensation": "Aktivitetsersättning",
    "sickness_compensation": "Sjukersättning",
    "activity_support": "Aktivitetsstöd, utvecklings- eller etableringsersättning",
    "unemployment_insurance": "A-kassa",
    "other": "Annan försörjning",
    "unknown": "Uppgift saknas",
}
EDUCATION_NAMES = {
    "incomplete_compulsory": "Saknar fullständig grundskola",
    "compulsory": "Grundskola (förgymnasial)",
    "upper_secondary": "Gymnasial",
    "post_secondary": "Eftergymnasial",
    "unknown": "Uppgift saknas",
}
AGE_BAND_NAMES = {
    "16-19": "15–19 år",
    "20-24": "20–24 år",
    "25-29": "25–29 år",
    "30-39": "30–39 år",
    "40-49": "40–49 år",
    "50-59": "50–59 år",
    "60+": "60 år och äldre",
}
ORGANISATION_NAMES = {
    "af": "Arbetsförmedlingen",
    "fk": "Försäkringskassan",
    "region": "Region",
    "kommun": "Kommun",
    "other": "Övriga",
}
SEX_LABELS = ("Totalt", "Kvinnor", "Män")


def join_swedish(words: list[str]) -> str:
    """'a, b och c'."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} och {words[-1]}"


def _lower_first(name: str) -> str:
    """'Arbetssökande hos Arbetsförmedlingen' -> 'arbetssökande hos Arbetsförmedlingen'."""
    return name[:1].lower() + name[1:]


def reasons_text(codes: tuple[str, ...] | list[str], conjunction: str = "eller") -> str:
    """Exit reasons by their Swedish names, lower case, joined."""
    names = [_lower_first(EXIT_REASON_NAMES.get(code, code)) for code in codes]
    if len(names) <= 1:
        return "".join(names) or "(inga)"
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def active_note(year: int) -> str:
    """Definition of aktiva under året."""
    return (
        f"Aktiva under året: inskrivna senast 31 december {year} och inte avslutade "
        f"före 1 januari {year}. Nytillkomna: inskrivna under {year}. Aktiva vid årets slut: "
        f"inte avslutade 31 december {year}."
    )


UNIQUE_NOTE = (
    "Unika personer: en person som deltagit i flera insatser räknas en gång. Övriga rader "
    "räknar personen i varje insats, så att förbundets summa är lika med insatsernas."
)


def early_dropout_note(settings: ReportSettings) -> str:
    """Definition of tidigt avhopp with the association's window."""
    months = settings.early_dropout_months
    if months <= 0:
        return (
            "Förbundet räknar inga tidiga avhopp (inställningen är 0 månader); alla avslut "
            "ingår i avslut per avslutsorsak, andelar och genomströmningstid."
        )
    unit = "kalendermånad" if months == 1 else "kalendermånader"
    return (
        f"Tidigt avhopp: avslut inom {months} {unit} från inskrivningsdagen, oavsett "
        "avslutsorsak. Tidiga avhopp ingår i avslut totalt men inte i avslut per "
        "avslutsorsak, andelar, stegförflyttning eller genomströmningstid."
    )


REASONS_NOTE = "Avslut per avslutsorsak avser avslut exklusive tidiga avhopp."
WORK_NOTE = (
    "Till arbete eller studier: avslutsorsak arbete, subventionerad anställning eller studier."
)


def goal_note(settings: ReportSettings) -> str:
    """What counts as mål in this association."""
    return (
        f"Mot mål: avslut med avslutsorsak {reasons_text(settings.goal_reasons)} "
        "(förbundets inställning)."
    )


SHARE_NOTE = "Andelen är räknad på avslut exklusive tidiga avhopp."
SHARE_ALL_NOTE = "Andelen är räknad på samtliga avslut, inklusive tidiga avhopp."
PROGRESSED_NOTE = (
    "Stegförflyttning: handläggarens bedömning vid avslut att deltagaren kommit ett steg "
    "närmare egen försörjning. Andelen räknas på avslut (exkl. tidiga avhopp) med en bedömning."
)
THROUGHPUT_NOTE = (
    "Genomströmningstid: dagar från inskrivning till avslut, för avslut exklusive tidiga "
    "avhopp (raderna ”mot mål”: för avslut mot mål), i månader (dagar / 30,4375)."
)
BEFORE_START_NOTE = (
    "Tid före start: medelvärde av uppgiften vid inskrivning, i år (månader / 12), för de "
    "avslut mot mål respektive nytillkomna som har uppgiften."
)
COST_NOTE = (
    "Kostnad per deltagare: insatsens redovisade kostnad för året delad med antal aktiva "
    "under året. Visas bara där en kostnad är redovisad."
)
SEX_NOTE = "Kön avser juridiskt kön. Totalt är summan av kvinnor och män."
SEVERAL_SUPPORTS_NOTE = (
    "En person kan ha flera försörjningar samtidigt, så andelarna kan summera till mer än 100 %."
)
# SCB's teckenförklaring, the signs this export uses (docs/decisions.md §24).
ZERO_SIGN = "– noll (ingen person)"
HIDDEN_SIGN = ".. uppgift visas inte (röjandekontroll)"
MISSING_SIGN = (
    ". uppgift saknas (inget att räkna på, t.ex. en andel när ingen har avslutats, "
    "eller ett år före förbundets första uppgifter)"
)
FULL_LEGEND = (
    f"Teckenförklaring (som SCB:s): {ZERO_SIGN}; 0 mindre än hälften av den minsta enhet "
    f"som visas (t.ex. en andel under 0,5 %); {HIDDEN_SIGN}; {MISSING_SIGN}."
)


def legend(*, zero: bool = True, missing: bool = True) -> str | None:
    """'Teckenförklaring: …' for the signs a table shows besides "..", which the disclosure
    note beside it explains; None when it shows neither."""
    signs = [sign for sign, used in ((ZERO_SIGN, zero), (MISSING_SIGN, missing)) if used]
    return f"Teckenförklaring: {'; '.join(signs)}." if signs else None


def change_note(year: int, previous_year: int, *, shares: bool = True) -> str:
    """How the change column is computed; the procentenheter only where there are shares."""
    points = " Andelar i procentenheter (p.e.);" if shares else ""
    return (
        f"Förändring: {year} jämfört med {previous_year}, för totalt.{points} räknat på de "
        "avrundade värdena i tabellen."
    ).replace(". räknat", ". Räknat")


def disclosure_note(settings: ReportSettings, *, hidden: bool = True) -> str:
    """The disclosure rule with the association's minimum cell size; the small-cell rule
    only where values are hidden (`hidden`), the noise wherever there are counts."""
    size = settings.min_cell_size
    if size <= 1:
        return f"Röjandekontroll är avstängd (minsta cellstorlek {size}); alla värden visas."
    noise = (
        "Röjandekontroll: varje antal har fått ett litet, fast slumptillägg (högst "
        f"±{max_noise(size)}; samma personer ger alltid samma tillägg), så att ingen enskild "
        "person kan räknas fram."
    )
    small = (
        f" Antal under {size} och medelvärden, medianer och andelar som bygger på färre än "
        f"{size} personer visas som .. (uppgift visas inte), liksom en andel vars antal "
        "visas som .. (andelen skulle visa antalet)."
    )
    return f"{noise}{small if hidden else ''} Summor kan därför avvika något från summan av " + (
        "sina delar."
    )


MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def swedish_instant(instant: str) -> str:
    """'2024-02-15T08:00:00Z' -> '15 februari 2024 kl. 09:00' in Swedish time (a naive
    instant is UTC, as the service stores it); a date stays a date; other text unchanged."""
    try:
        moment = datetime.fromisoformat(instant)
    except ValueError:
        return instant
    if len(instant) <= 10:
        return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"
    moment = in_stockholm(moment)
    return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year} kl. {moment:%H:%M}"


PRELIMINARY = "preliminära uppgifter"


def year_notes(
    year: int, previous_year: int, *, preliminary: bool, previous: bool
) -> tuple[str, ...]:
    """What a reader must know of the two years: the running year, a year without data."""
    notes = []
    if preliminary:
        notes.append(
            f"Preliminära uppgifter: {year} pågår, så siffrorna ändras när fler händelser "
            "registreras."
        )
    if not previous:
        notes.append(
            f"Förbundet har inga uppgifter för {previous_year}: jämförelseåret och förändringen "
            "visas som . (uppgift saknas)."
        )
    return tuple(notes)


def source_note(association_name: str, as_of: str | None) -> str:
    """Where the figures come from, and as of when."""
    when = f", registreringar till och med {swedish_instant(as_of)}" if as_of else ""
    return f"Källa: Uppföljning, {association_name}{when}."


def settings_difference_note(
    current: ReportSettings, previous: ReportSettings, previous_year: int
) -> str | None:
    """A note when the comparison year was computed with other settings, else None."""
    differences = []
    if current.early_dropout_months != previous.early_dropout_months:
        differences.append(f"tidiga avhopp inom {previous.early_dropout_months} månader")
    if set(current.goal_reasons) != set(previous.goal_reasons):
        differences.append(f"mål = {reasons_text(previous.goal_reasons)}")
    if current.youth_max_age != previous.youth_max_age:
        differences.append(f"unga till och med {previous.youth_max_age} år")
    if current.min_cell_size != previous.min_cell_size:
        differences.append(f"minsta cellstorlek {previous.min_cell_size}")
    if not differences:
        return None
    return f"{previous_year} är beräknat med andra inställningar: {join_swedish(differences)}."
