//! The languages a survey speaks. Everything Throughline itself says to a customer — the
//! practice's questions, the form's words, the messages (thanks, closed, too many requests) and
//! the invitation e-mail — is written here once per language; what a company writes itself (a
//! survey's own questions, its title, the name of the touchpoint or stage it asks about) is
//! translated in the survey's definition ([`Translation`]).
//!
//! Adding a language is one more [`Texts`] below and one more [`Language`] variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MAX_QUESTION_CHARS, MAX_TITLE_CHARS};
use crate::primitives::ValidationError;

/// A language the survey pages and invitations are written in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
    Fr,
    Es,
    Nl,
}

impl Language {
    /// Every language Throughline's survey texts are written in.
    pub const ALL: [Self; 5] = [Self::En, Self::De, Self::Fr, Self::Es, Self::Nl];

    /// The ISO 639-1 code, as `lang` attributes and files write it.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Es => "es",
            Self::Nl => "nl",
        }
    }

    /// The language's name in itself, for a link to the survey in it.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
            Self::Fr => "Français",
            Self::Es => "Español",
            Self::Nl => "Nederlands",
        }
    }

    /// A language from its code; a regional tag ("de-CH", "fr_BE") names its language.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let primary = text
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|l| l.code() == primary)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "language {text:?}: survey pages are written in {}",
                    Self::ALL.map(Self::code).join(", ")
                ))
            })
    }

    /// The first of `offered` that a browser's `Accept-Language` header asks for, by its
    /// weights ("de-CH, fr;q=0.8, en;q=0.5"); `None` when it asks for none of them.
    pub fn from_accept_language(header: &str, offered: &[Self]) -> Option<Self> {
        let mut asked: Vec<(f32, usize, Self)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                let language = Self::parse(tag).ok()?;
                (weight > 0.0 && offered.contains(&language)).then_some((weight, i, language))
            })
            .collect();
        asked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        asked.first().map(|&(_, _, language)| language)
    }

    /// What Throughline says in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::De => &DE,
            Self::Fr => &FR,
            Self::Es => &ES,
            Self::Nl => &NL,
        }
    }
}

/// A survey's own words in one more language: its title, the name of what it asks about, its
/// own questions (in the same order as the survey's). What is left out is shown as the survey
/// writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The touchpoint's or stage's name as the questions say it ("Liefertag").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
}

/// A survey's translations by language.
pub type Translations = BTreeMap<Language, Translation>;

/// Checks a survey's translations: none into the survey's own language, each with as many
/// questions as the survey asks of its own (or none, when it asks none), no text empty or too
/// long. Texts come back trimmed.
pub fn check_translations(
    translations: &Translations,
    language: Language,
    questions: usize,
) -> Result<Translations, ValidationError> {
    let mut out = Translations::new();
    for (&into, translation) in translations {
        let code = into.code();
        if into == language {
            return Err(ValidationError::new(format!(
                "translation {code}: the survey is written in {code} already"
            )));
        }
        let text = |what: &str, value: &Option<String>, max: usize| match value
            .as_deref()
            .map(str::trim)
        {
            None => Ok(None),
            Some("") => Err(ValidationError::new(format!(
                "translation {code}: the {what} is empty (leave it out to show the survey's own)"
            ))),
            Some(v) if v.chars().count() > max => Err(ValidationError::new(format!(
                "translation {code}: the {what} is longer than {max} characters"
            ))),
            Some(v) => Ok(Some(v.to_owned())),
        };
        let title = text("title", &translation.title, MAX_TITLE_CHARS)?;
        let place = text("place name", &translation.place, MAX_TITLE_CHARS)?;
        let translated: Vec<String> = translation
            .questions
            .iter()
            .map(|q| q.trim().to_owned())
            .collect();
        if translated.len() != questions {
            return Err(ValidationError::new(format!(
                "translation {code}: the survey asks {questions} question(s) of its own, the \
                 translation gives {}",
                translated.len()
            )));
        }
        for (i, question) in translated.iter().enumerate() {
            if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
                return Err(ValidationError::new(format!(
                    "translation {code}: question {} is empty or longer than \
                     {MAX_QUESTION_CHARS} characters",
                    i + 1
                )));
            }
        }
        out.insert(
            into,
            Translation {
                title,
                place,
                questions: translated,
            },
        );
    }
    Ok(out)
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// What Throughline says to a customer, in one language. `{place}` is the touchpoint or stage
/// asked about, `{company}` the organisation's name; other placeholders are named where used.
#[derive(Debug, Serialize)]
pub struct Texts {
    pub heading: &'static str,
    pub intro: &'static str,
    pub goal: &'static str,
    pub goal_low: &'static str,
    pub goal_high: &'static str,
    pub nps: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub csat: &'static str,
    pub csat_low: &'static str,
    pub csat_high: &'static str,
    pub ces: &'static str,
    pub ces_low: &'static str,
    pub ces_high: &'static str,
    pub helpful: &'static str,
    pub hindering: &'static str,
    pub comment: &'static str,
    pub required: &'static str,
    pub check_answers: &'static str,
    pub trap: &'static str,
    pub privacy: &'static str,
    pub send: &'static str,
    pub other_languages: &'static str,
    /// `{low}`, `{high}`.
    pub choose_number: &'static str,
    pub goal_missing: &'static str,
    /// `{max}`, `{count}`.
    pub too_long: &'static str,
    pub form_stale: &'static str,
    pub thanks_title: &'static str,
    pub thanks: &'static str,
    pub closed_title: &'static str,
    pub closed: &'static str,
    pub answered_title: &'static str,
    pub answered: &'static str,
    pub no_survey_title: &'static str,
    pub no_survey: &'static str,
    pub never_again_title: &'static str,
    pub never_again: &'static str,
    pub never_again_button: &'static str,
    pub unsubscribed_title: &'static str,
    pub unsubscribed: &'static str,
    pub too_many_title: &'static str,
    /// `{seconds}`.
    pub too_many: &'static str,
    pub mail_subject: &'static str,
    pub mail_reminder_subject: &'static str,
    pub mail_hello: &'static str,
    pub mail_ask: &'static str,
    pub mail_answer: &'static str,
    pub mail_yours: &'static str,
    pub mail_thanks: &'static str,
    pub mail_not_interested: &'static str,
    pub mail_never_again: &'static str,
}

static EN: Texts = Texts {
    heading: "How did {place} go?",
    intro: "Two minutes, a few questions. What you write is read by the people at {company} who can change things.",
    goal: "How well did we support what you set out to do at {place}?",
    goal_low: "not at all",
    goal_high: "completely",
    nps: "How likely are you to recommend {company} to a friend or colleague?",
    nps_low: "not at all likely",
    nps_high: "extremely likely",
    csat: "How satisfied are you with {place}?",
    csat_low: "very dissatisfied",
    csat_high: "very satisfied",
    ces: "How easy was it to get what you needed at {place}?",
    ces_low: "very easy",
    ces_high: "very difficult",
    helpful: "What helped you most?",
    hindering: "What got in your way most?",
    comment: "Is there anything else you would like to tell us?",
    required: "(required)",
    check_answers: "Please check your answers",
    trap: "Leave this field empty",
    privacy: "Please leave out names, phone numbers and account numbers: we remove any we find before your words are stored.",
    send: "Send my answers",
    other_languages: "This survey in another language:",
    choose_number: "Choose a number from {low} to {high}.",
    goal_missing: "Please choose how well we supported what you set out to do.",
    too_long: "Please keep this answer under {max} characters (it has {count}).",
    form_stale: "This form is more than a day old, or did not come from us: please check your answers below and send them again.",
    thanks_title: "Thank you",
    thanks: "Your answers have reached us. They are read by the people who can change things, and they count.",
    closed_title: "This survey is closed",
    closed: "It no longer takes answers. Thank you for wanting to tell us.",
    answered_title: "You have already answered",
    answered: "This link takes one answer, and yours has reached us. Thank you.",
    no_survey_title: "No such survey",
    no_survey: "This address opens no survey. Check that the whole link was copied from the message you received.",
    never_again_title: "Never be asked again?",
    never_again: "We will not send you any survey again, whichever part of your journey with us it is about.",
    never_again_button: "Yes, never ask me again",
    unsubscribed_title: "You will not be asked again",
    unsubscribed: "We have noted it for good: no survey will be sent to you again.",
    too_many_title: "Too many requests",
    too_many: "We received too many requests from your network. Please wait {seconds} seconds and try again — your answers are welcome.",
    mail_subject: "How did {place} go? Two minutes to tell {company}",
    mail_reminder_subject: "A reminder: how did {place} go? Two minutes to tell {company}",
    mail_hello: "Hello,",
    mail_ask: "we would like to know how well we supported what you set out to do at {place}, what helped you most and what got in your way. It takes about two minutes.",
    mail_answer: "Answer the survey",
    mail_yours: "The link is yours alone and takes one answer. What you write is read by the people who can change things.",
    mail_thanks: "Thank you,",
    mail_not_interested: "Not interested?",
    mail_never_again: "Never be asked again",
};

static DE: Texts = Texts {
    heading: "Ihre Meinung zu: {place}",
    intro: "Zwei Minuten, ein paar Fragen. Was Sie schreiben, lesen die Menschen bei {company}, die etwas ändern können.",
    goal: "{place}: Wie gut haben wir Sie bei dem unterstützt, was Sie erreichen wollten?",
    goal_low: "überhaupt nicht",
    goal_high: "voll und ganz",
    nps: "Wie wahrscheinlich ist es, dass Sie {company} einem Freund oder Kollegen empfehlen?",
    nps_low: "sehr unwahrscheinlich",
    nps_high: "äußerst wahrscheinlich",
    csat: "{place}: Wie zufrieden sind Sie?",
    csat_low: "sehr unzufrieden",
    csat_high: "sehr zufrieden",
    ces: "{place}: Wie einfach war es, zu bekommen, was Sie brauchten?",
    ces_low: "sehr einfach",
    ces_high: "sehr schwierig",
    helpful: "Was hat Ihnen am meisten geholfen?",
    hindering: "Was hat Sie am meisten behindert?",
    comment: "Möchten Sie uns sonst noch etwas sagen?",
    required: "(Pflichtfeld)",
    check_answers: "Bitte prüfen Sie Ihre Antworten",
    trap: "Dieses Feld leer lassen",
    privacy: "Bitte lassen Sie Namen, Telefon- und Kontonummern weg: Wir entfernen alle, die wir finden, bevor Ihre Worte gespeichert werden.",
    send: "Antworten senden",
    other_languages: "Diese Umfrage in einer anderen Sprache:",
    choose_number: "Wählen Sie eine Zahl von {low} bis {high}.",
    goal_missing: "Bitte wählen Sie, wie gut wir Sie bei Ihrem Vorhaben unterstützt haben.",
    too_long: "Bitte fassen Sie sich in weniger als {max} Zeichen (es sind {count}).",
    form_stale: "Dieses Formular ist älter als einen Tag oder stammt nicht von uns: Bitte prüfen Sie Ihre Antworten unten und senden Sie sie erneut.",
    thanks_title: "Vielen Dank",
    thanks: "Ihre Antworten sind bei uns angekommen. Sie werden von den Menschen gelesen, die etwas ändern können, und sie zählen.",
    closed_title: "Diese Umfrage ist geschlossen",
    closed: "Sie nimmt keine Antworten mehr an. Danke, dass Sie uns etwas sagen wollten.",
    answered_title: "Sie haben bereits geantwortet",
    answered: "Dieser Link nimmt eine Antwort an, und Ihre ist bei uns angekommen. Vielen Dank.",
    no_survey_title: "Keine solche Umfrage",
    no_survey: "Diese Adresse öffnet keine Umfrage. Prüfen Sie, ob der ganze Link aus Ihrer Nachricht kopiert wurde.",
    never_again_title: "Nie wieder gefragt werden?",
    never_again: "Wir senden Ihnen keine Umfrage mehr, ganz gleich, um welchen Teil Ihrer Reise mit uns es geht.",
    never_again_button: "Ja, fragen Sie mich nie wieder",
    unsubscribed_title: "Sie werden nicht mehr gefragt",
    unsubscribed: "Wir haben es dauerhaft vermerkt: Ihnen wird keine Umfrage mehr gesendet.",
    too_many_title: "Zu viele Anfragen",
    too_many: "Wir haben zu viele Anfragen aus Ihrem Netzwerk erhalten. Bitte warten Sie {seconds} Sekunden und versuchen Sie es erneut — Ihre Antworten sind willkommen.",
    mail_subject: "Ihre Meinung zu: {place} — zwei Minuten für {company}",
    mail_reminder_subject: "Eine Erinnerung — Ihre Meinung zu: {place} — zwei Minuten für {company}",
    mail_hello: "Guten Tag,",
    mail_ask: "wir möchten wissen, wie gut wir Sie bei dem unterstützt haben, was Sie erreichen wollten ({place}), was Ihnen am meisten geholfen und was Sie behindert hat. Es dauert etwa zwei Minuten.",
    mail_answer: "Zur Umfrage",
    mail_yours: "Der Link gilt nur für Sie und nimmt eine Antwort an. Was Sie schreiben, lesen die Menschen, die etwas ändern können.",
    mail_thanks: "Vielen Dank,",
    mail_not_interested: "Kein Interesse?",
    mail_never_again: "Nie wieder gefragt werden",
};

static FR: Texts = Texts {
    heading: "Votre avis : {place}",
    intro: "Deux minutes, quelques questions. Ce que vous écrivez est lu par les personnes de {company} qui peuvent faire changer les choses.",
    goal: "{place} : dans quelle mesure vous avons-nous aidé à faire ce que vous vouliez faire ?",
    goal_low: "pas du tout",
    goal_high: "tout à fait",
    nps: "Quelle est la probabilité que vous recommandiez {company} à un ami ou à un collègue ?",
    nps_low: "pas du tout probable",
    nps_high: "extrêmement probable",
    csat: "{place} : êtes-vous satisfait(e) ?",
    csat_low: "très insatisfait(e)",
    csat_high: "très satisfait(e)",
    ces: "{place} : était-il facile d'obtenir ce dont vous aviez besoin ?",
    ces_low: "très facile",
    ces_high: "très difficile",
    helpful: "Qu'est-ce qui vous a le plus aidé ?",
    hindering: "Qu'est-ce qui vous a le plus gêné ?",
    comment: "Souhaitez-vous nous dire autre chose ?",
    required: "(obligatoire)",
    check_answers: "Veuillez vérifier vos réponses",
    trap: "Laissez ce champ vide",
    privacy: "Merci de ne pas indiquer de noms, de numéros de téléphone ni de numéros de compte : nous retirons ceux que nous trouvons avant d'enregistrer vos mots.",
    send: "Envoyer mes réponses",
    other_languages: "Ce questionnaire dans une autre langue :",
    choose_number: "Choisissez un nombre de {low} à {high}.",
    goal_missing: "Veuillez indiquer dans quelle mesure nous vous avons aidé à faire ce que vous vouliez faire.",
    too_long: "Merci de rester sous {max} caractères (votre réponse en compte {count}).",
    form_stale: "Ce formulaire a plus d'un jour ou ne vient pas de nous : veuillez vérifier vos réponses ci-dessous et les envoyer à nouveau.",
    thanks_title: "Merci",
    thanks: "Vos réponses nous sont parvenues. Elles sont lues par les personnes qui peuvent faire changer les choses, et elles comptent.",
    closed_title: "Ce questionnaire est clos",
    closed: "Il n'accepte plus de réponses. Merci d'avoir voulu nous le dire.",
    answered_title: "Vous avez déjà répondu",
    answered: "Ce lien accepte une seule réponse, et la vôtre nous est parvenue. Merci.",
    no_survey_title: "Questionnaire introuvable",
    no_survey: "Cette adresse n'ouvre aucun questionnaire. Vérifiez que le lien a été copié en entier depuis le message reçu.",
    never_again_title: "Ne plus jamais être sollicité(e) ?",
    never_again: "Nous ne vous enverrons plus aucun questionnaire, quelle que soit l'étape de votre parcours avec nous.",
    never_again_button: "Oui, ne plus jamais me solliciter",
    unsubscribed_title: "Vous ne serez plus sollicité(e)",
    unsubscribed: "C'est noté pour de bon : aucun questionnaire ne vous sera plus envoyé.",
    too_many_title: "Trop de demandes",
    too_many: "Nous avons reçu trop de demandes depuis votre réseau. Veuillez patienter {seconds} secondes et réessayer — vos réponses sont les bienvenues.",
    mail_subject: "Votre avis : {place} — deux minutes pour le dire à {company}",
    mail_reminder_subject: "Rappel — votre avis : {place} — deux minutes pour le dire à {company}",
    mail_hello: "Bonjour,",
    mail_ask: "nous aimerions savoir dans quelle mesure nous vous avons aidé à faire ce que vous vouliez faire ({place}), ce qui vous a le plus aidé et ce qui vous a gêné. Cela prend environ deux minutes.",
    mail_answer: "Répondre au questionnaire",
    mail_yours: "Ce lien vous est personnel et accepte une seule réponse. Ce que vous écrivez est lu par les personnes qui peuvent faire changer les choses.",
    mail_thanks: "Merci,",
    mail_not_interested: "Pas intéressé(e) ?",
    mail_never_again: "Ne plus jamais être sollicité(e)",
};

static ES: Texts = Texts {
    heading: "¿Qué tal fue {place}?",
    intro: "Dos minutos, unas pocas preguntas. Lo que escriba lo leen las personas de {company} que pueden cambiar las cosas.",
    goal: "¿En qué medida le ayudamos a conseguir lo que quería hacer en {place}?",
    goal_low: "nada en absoluto",
    goal_high: "por completo",
    nps: "¿Qué probabilidad hay de que recomiende {company} a un amigo o colega?",
    nps_low: "nada probable",
    nps_high: "muy probable",
    csat: "¿Qué grado de satisfacción tiene con {place}?",
    csat_low: "muy insatisfecho",
    csat_high: "muy satisfecho",
    ces: "¿Qué tan fácil fue conseguir lo que necesitaba en {place}?",
    ces_low: "muy fácil",
    ces_high: "muy difícil",
    helpful: "¿Qué le ayudó más?",
    hindering: "¿Qué le supuso el mayor obstáculo?",
    comment: "¿Hay algo más que quiera decirnos?",
    required: "(obligatorio)",
    check_answers: "Revise sus respuestas",
    trap: "Deje este campo vacío",
    privacy: "No incluya nombres, números de teléfono ni números de cuenta: eliminamos los que encontramos antes de guardar sus palabras.",
    send: "Enviar mis respuestas",
    other_languages: "Esta encuesta en otro idioma:",
    choose_number: "Elija un número del {low} al {high}.",
    goal_missing: "Indique en qué medida le ayudamos a conseguir lo que quería hacer.",
    too_long: "Mantenga esta respuesta por debajo de {max} caracteres (tiene {count}).",
    form_stale: "Este formulario tiene más de un día o no procede de nosotros: revise sus respuestas abajo y envíelas de nuevo.",
    thanks_title: "Gracias",
    thanks: "Hemos recibido sus respuestas. Las leen las personas que pueden cambiar las cosas, y cuentan.",
    closed_title: "Esta encuesta está cerrada",
    closed: "Ya no admite respuestas. Gracias por querer contárnoslo.",
    answered_title: "Ya ha respondido",
    answered: "Este enlace admite una sola respuesta, y la suya nos ha llegado. Gracias.",
    no_survey_title: "No existe esta encuesta",
    no_survey: "Esta dirección no abre ninguna encuesta. Compruebe que ha copiado el enlace completo del mensaje que recibió.",
    never_again_title: "¿No volver a recibir encuestas?",
    never_again: "No le enviaremos ninguna encuesta más, sea cual sea la parte de su experiencia con nosotros.",
    never_again_button: "Sí, no volver a preguntarme",
    unsubscribed_title: "No volveremos a preguntarle",
    unsubscribed: "Lo hemos anotado para siempre: no se le enviará ninguna encuesta más.",
    too_many_title: "Demasiadas solicitudes",
    too_many: "Hemos recibido demasiadas solicitudes desde su red. Espere {seconds} segundos y vuelva a intentarlo — sus respuestas son bienvenidas.",
    mail_subject: "¿Qué tal fue {place}? Dos minutos para contárselo a {company}",
    mail_reminder_subject: "Recordatorio: ¿qué tal fue {place}? Dos minutos para contárselo a {company}",
    mail_hello: "Hola:",
    mail_ask: "nos gustaría saber en qué medida le ayudamos a conseguir lo que quería hacer en {place}, qué le ayudó más y qué se lo puso difícil. Son unos dos minutos.",
    mail_answer: "Responder a la encuesta",
    mail_yours: "El enlace es solo suyo y admite una respuesta. Lo que escriba lo leen las personas que pueden cambiar las cosas.",
    mail_thanks: "Gracias,",
    mail_not_interested: "¿No le interesa?",
    mail_never_again: "No volver a recibir encuestas",
};

static NL: Texts = Texts {
    heading: "Hoe ging {place}?",
    intro: "Twee minuten, een paar vragen. Wat u schrijft, wordt gelezen door de mensen bij {company} die iets kunnen veranderen.",
    goal: "Hoe goed hebben we u geholpen bij wat u bij {place} wilde bereiken?",
    goal_low: "helemaal niet",
    goal_high: "helemaal",
    nps: "Hoe waarschijnlijk is het dat u {company} aanbeveelt aan een vriend of collega?",
    nps_low: "zeer onwaarschijnlijk",
    nps_high: "zeer waarschijnlijk",
    csat: "Hoe tevreden bent u over {place}?",
    csat_low: "zeer ontevreden",
    csat_high: "zeer tevreden",
    ces: "Hoe gemakkelijk was het om bij {place} te krijgen wat u nodig had?",
    ces_low: "zeer gemakkelijk",
    ces_high: "zeer moeilijk",
    helpful: "Wat hielp u het meest?",
    hindering: "Wat zat u het meest in de weg?",
    comment: "Wilt u ons verder nog iets vertellen?",
    required: "(verplicht)",
    check_answers: "Controleer uw antwoorden",
    trap: "Laat dit veld leeg",
    privacy: "Laat namen, telefoonnummers en rekeningnummers weg: we verwijderen wat we vinden voordat uw woorden worden opgeslagen.",
    send: "Mijn antwoorden versturen",
    other_languages: "Deze enquête in een andere taal:",
    choose_number: "Kies een getal van {low} tot {high}.",
    goal_missing: "Kies hoe goed we u hebben geholpen bij wat u wilde bereiken.",
    too_long: "Houd dit antwoord onder {max} tekens (het heeft er {count}).",
    form_stale: "Dit formulier is ouder dan een dag of komt niet van ons: controleer uw antwoorden hieronder en verstuur ze opnieuw.",
    thanks_title: "Dank u wel",
    thanks: "Uw antwoorden zijn bij ons aangekomen. Ze worden gelezen door de mensen die iets kunnen veranderen, en ze tellen.",
    closed_title: "Deze enquête is gesloten",
    closed: "Ze neemt geen antwoorden meer aan. Dank dat u het ons wilde vertellen.",
    answered_title: "U hebt al geantwoord",
    answered: "Deze link neemt één antwoord aan, en het uwe is bij ons aangekomen. Dank u wel.",
    no_survey_title: "Deze enquête bestaat niet",
    no_survey: "Dit adres opent geen enquête. Controleer of de hele link uit uw bericht is gekopieerd.",
    never_again_title: "Nooit meer gevraagd worden?",
    never_again: "We sturen u geen enquête meer, over welk deel van uw reis met ons het ook gaat.",
    never_again_button: "Ja, vraag het me nooit meer",
    unsubscribed_title: "U wordt niet meer gevraagd",
    unsubscribed: "We hebben het voorgoed genoteerd: u krijgt geen enquête meer.",
    too_many_title: "Te veel verzoeken",
    too_many: "We hebben te veel verzoeken uit uw netwerk ontvangen. Wacht {seconds} seconden en probeer het opnieuw — uw antwoorden zijn welkom.",
    mail_subject: "Hoe ging {place}? Twee minuten voor {company}",
    mail_reminder_subject: "Herinnering: hoe ging {place}? Twee minuten voor {company}",
    mail_hello: "Goedendag,",
    mail_ask: "we willen graag weten hoe goed we u hebben geholpen bij wat u bij {place} wilde bereiken, wat u het meest hielp en wat u in de weg zat. Het duurt ongeveer twee minuten.",
    mail_answer: "Naar de enquête",
    mail_yours: "De link is alleen voor u en neemt één antwoord aan. Wat u schrijft, wordt gelezen door de mensen die iets kunnen veranderen.",
    mail_thanks: "Dank u wel,",
    mail_not_interested: "Geen interesse?",
    mail_never_again: "Nooit meer gevraagd worden",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_gets_the_language_it_prefers_among_those_offered() {
        let offered = [Language::En, Language::De, Language::Fr];
        let pick = |h: &str| Language::from_accept_language(h, &offered);
        assert_eq!(pick("de-CH, fr;q=0.8, en;q=0.5"), Some(Language::De));
        assert_eq!(pick("es, fr;q=0.7, de;q=0.9"), Some(Language::De));
        assert_eq!(pick("it, es"), None);
        assert_eq!(pick("fr;q=0, en"), Some(Language::En));
        assert_eq!(pick(""), None);
        assert_eq!(Language::parse("fr_BE").unwrap(), Language::Fr);
        let e = Language::parse("it").unwrap_err().0;
        assert!(e.contains("written in en, de, fr, es, nl"), "{e}");
    }

    #[test]
    fn every_language_has_every_placeholder_english_has() {
        let en = serde_json::to_value(Language::En.texts()).unwrap();
        for language in Language::ALL {
            let texts = serde_json::to_value(language.texts()).unwrap();
            for (field, english) in en.as_object().unwrap() {
                let text = texts[field].as_str().unwrap();
                assert!(!text.is_empty(), "{} {field}", language.code());
                for name in [
                    "{place}",
                    "{company}",
                    "{low}",
                    "{high}",
                    "{max}",
                    "{count}",
                    "{seconds}",
                ] {
                    assert_eq!(
                        english.as_str().unwrap().contains(name),
                        text.contains(name),
                        "{} {field} {name}",
                        language.code()
                    );
                }
            }
        }
    }

    #[test]
    fn translations_match_the_survey_they_translate() {
        let mut translations = Translations::new();
        translations.insert(
            Language::De,
            Translation {
                title: Some(" Umfrage zum Liefertag ".into()),
                place: Some("Liefertag".into()),
                questions: vec!["War alles sauber?".into()],
            },
        );
        let checked = check_translations(&translations, Language::En, 1).unwrap();
        assert_eq!(
            checked[&Language::De].title.as_deref(),
            Some("Umfrage zum Liefertag")
        );
        let e = check_translations(&translations, Language::En, 2)
            .unwrap_err()
            .0;
        assert!(
            e.contains("asks 2 question(s) of its own, the translation gives 1"),
            "{e}"
        );
        let e = check_translations(&translations, Language::De, 1)
            .unwrap_err()
            .0;
        assert!(e.contains("written in de already"), "{e}");
        assert_eq!(fill("{place} and {place}", &[("place", "x")]), "x and x");
    }
}
