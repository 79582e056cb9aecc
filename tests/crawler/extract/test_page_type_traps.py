"""Page types on the traps of real pages, written for this test (plain text with its address,
the way `katdir extract FILE --url URL` reads a page's text): a provider's blog post is the
provider's page only when it states the provider's own offer; news, insurers' pages and guides
are articles; a list of several providers is a directory. Article and directory pages give no
clinic facts."""

import pytest

from crawler.extract import extract_page

CLINIC_BLOG_GENERIC_COST = """How Much Does Ketamine Therapy Cost? A Guide for 2025
Cost is one of the first questions people ask about ketamine. The answer depends on where you live, which form of
treatment you receive and whether insurance is involved.

IV infusions
Most ketamine clinics charge between $400 and $800 for a single infusion. A first series of six infusions can run
from $2,400 to $4,800 before any boosters.

Spravato
Esketamine nasal spray is FDA-approved, so many insurance plans cover part of it. Without coverage the drug alone
can cost $600 or more per treatment.

Oral and at-home options
Telehealth programs that prescribe lozenges typically charge $200 to $400 a month.

What affects the price?
Prices vary with the provider's credentials, the monitoring offered, the city and whether psychotherapy is part
of the plan. Patients should ask any clinic what is included before they commit.
"""

CLINIC_BLOG_OWN_OFFER = """Our new pricing for 2025
Posted January 6, 2025
We have simplified our fees this year. At Juniper Ketamine Care in Boise, we offer IV ketamine infusions and
Spravato in our quiet treatment suites.

Consultation with our physician: free
Single IV infusion: $475
Series of six infusions: $2,600

Spravato sessions are billed to insurance. Call us at (208) 555-0147 to book your first visit.
"""

NEWS_CLINIC_OPENING = """Ketamine clinic opens downtown, offering infusions for depression
By Morgan Ellis, Staff Writer
March 12, 2025

BRIDGEPORT — A clinic offering ketamine infusions for treatment-resistant depression opened Monday on Main
Street, the first of its kind in the county.

Harbor Light Infusions provides IV ketamine in a series of six sessions, said Dr. Lena Ortiz, its medical
director. "We offer a calm, monitored setting, and most of our first patients were referred by their
psychiatrists," Ortiz said.

A single infusion costs $550, according to the clinic. Ketamine is not approved by the FDA for depression, and
insurers rarely pay for the infusions, experts told the Courier.
"""

BEST_CLINICS_LIST = """Best Ketamine Clinics in Denver (2025)
We compared ketamine providers across the Denver area on price, credentials and patient reviews.

1. Mile High Infusion Center
IV ketamine infusions from $450. 1234 Colfax Ave, Denver, CO. (303) 555-0111

2. Front Range Mind Clinic
Spravato and IV ketamine, accepts some insurance. 88 Pearl St, Boulder, CO. (303) 555-0122

3. Cherry Creek Ketamine
Ketamine-assisted psychotherapy with integration sessions. 400 Steele St, Denver, CO. (720) 555-0133

4. Aurora Wellness Infusions
IM and IV ketamine, evening hours. 15 Havana St, Aurora, CO. (720) 555-0144
"""

INSURER_SPRAVATO = """Spravato (esketamine) coverage
Spravato is a nasal spray for adults with treatment-resistant depression. It must be given in a certified
healthcare setting under supervision.

Is Spravato covered by my plan?
Spravato is covered under the medical benefit for plan members who meet the coverage criteria. Prior
authorization is required. The member must have tried at least two antidepressants.

Ketamine infusions for depression are considered investigational and are not covered.

Members can find an in-network provider in the online directory or call the number on the back of their ID card.
"""

CLINIC_HOME_WITH_NAV = """Home
About
Services
Blog
Resources
Patient Resources
News
Contact
Cedar Grove Ketamine Clinic
Relief from depression, anxiety and PTSD in Asheville
We provide IV ketamine infusions and Spravato in a calm, private setting. Our team of anesthesiologists and
nurses monitors every session.
Why choose us?
Board-certified physicians, same-week appointments and a free phone consultation.
Book your consultation today: (828) 555-0190
Latest from our blog
What to expect at your first infusion
"""

PROVIDER_COST_PAGE_NO_BLOG_PATH = """Ketamine Treatment Cost: What to Expect
Many people wonder whether ketamine therapy is affordable. Costs vary widely from one clinic to another.

On average, IV ketamine infusions cost between $400 and $700 per session in the United States. Some clinics
offer package pricing for a series of infusions. Spravato may be covered by insurance, while IV ketamine usually
is not.

Factors that affect cost include location, the provider's experience and whether therapy sessions are included.
Ask each provider for a written estimate before starting treatment.
"""

HEALTH_INFO_ARTICLE = """Ketamine for depression: uses, risks and what to expect
Medically reviewed by Dr. Priya Natarajan, MD
Written by Sam Carter
Updated on April 3, 2025
Ketamine is an anesthetic that doctors have used since the 1970s. In recent years, researchers have found that
low doses can relieve depression quickly. Patients usually receive it as an IV infusion at a clinic, and the
esketamine nasal spray Spravato is approved for treatment-resistant depression.
Table of contents
How ketamine works
Side effects
Cost
"""

WHERE_TO_FIND_ARTICLE = """How to find a ketamine provider you can trust
Choosing a ketamine provider is an important decision. Patients should look for board-certified physicians,
clear screening and monitoring, and honest pricing.

Some clinics, such as Lakeside Infusions and Northstar Ketamine, publish their fees online. Others, like Bluewater
Psychiatry, ask patients to call. Ask whether the clinic offers therapy alongside the infusions, and whether a
psychiatrist reviews your history first.

Your own doctor or a psychiatrist can also refer you to a clinic near you.
"""

REHAB_KETAMINE_ABUSE = """Ketamine addiction: signs, effects and treatment
Ketamine is a dissociative anesthetic that is also used recreationally under street names such as Special K.
Ketamine abuse can lead to bladder damage, memory problems and dependence.

Signs of ketamine addiction
People who misuse ketamine may need more of the drug to feel its effects and may struggle to stop.

Treatment for ketamine addiction often includes detox, inpatient rehab and behavioral therapy.
"""

CLINIC_SERVICE_PAGE_PLAIN = """IV Ketamine Infusion Therapy
Ketamine infusions can relieve symptoms of depression within hours for many patients. Each infusion lasts about
40 minutes and is given in a private room while a nurse monitors your vital signs.

Who is a candidate?
Adults with treatment-resistant depression, PTSD or chronic pain may benefit. A consultation with our medical
director determines whether ketamine is right for you.

Contact our office to schedule a consultation.
"""

ONLINE_PROVIDERS_COMPARED = """Online ketamine therapy providers compared
At-home ketamine programs have multiplied. Here is how the best-known services differ.

Calmwave
Calmwave offers sublingual ketamine tablets with video check-ins. Plans start at $250 a month.

Drift Health
Drift Health provides a six-session program with a prescriber visit and integration coaching for $1,100.

Lumen Mind
Lumen Mind offers lozenges and weekly group integration, with a first consultation for $99.

Which program is right for you depends on your state, your budget and how much support you want.
"""

SPRAVATO_PAGE_THIRD_PERSON = """Spravato Treatment
Maple Hill Psychiatry is a certified Spravato treatment center. Spravato (esketamine) is a nasal spray for
adults with treatment-resistant depression.
Each session takes place in the office and patients are monitored for two hours afterwards.
Most commercial insurance plans cover Spravato after prior authorization.
"""

CLINIC_FAQ_WITH_COSTS = """Frequently Asked Questions
How much does ketamine cost?
Prices vary across the country; most clinics charge $400 to $800 per infusion. Our infusions are $450, and a
series of six is $2,500.
Do you accept insurance?
We do not bill insurance for ketamine infusions, but we provide a superbill.
How long is an infusion?
About 45 minutes, followed by a short recovery.
"""

GOVERNMENT_PAGE = """Ketamine
Ketamine is a Schedule III controlled substance. It is a dissociative anesthetic used in human and veterinary
medicine. Esketamine, one of its forms, is approved as a nasal spray for treatment-resistant depression.
Ketamine is also misused for its hallucinogenic effects. Street names include Special K and Kit Kat.
For more information, see the drug fact sheet.
"""

UNIVERSITY_NEWS = """Study finds ketamine infusions ease depression in older adults
April 8, 2025
A clinical trial led by researchers at the university found that a series of low-dose ketamine infusions reduced
symptoms of depression in adults over 60, according to results published this week.
"These results are encouraging," said Dr. Helen Park, the study's lead author. Participants received six
infusions over three weeks.
"""

PROVIDER_BIO = """Dr. Nora Whitfield, MD
Dr. Whitfield is a board-certified psychiatrist in Portland, Oregon. She offers ketamine-assisted psychotherapy
and Spravato for adults with depression and PTSD.
Her practice combines careful screening with integration sessions after each dosing session.
To schedule an evaluation, call (503) 555-0163.
"""

THERAPIST_LISTINGS = """Ketamine-assisted therapists in Portland, OR
Showing 24 results
Alder Counseling, LPC
Portland, OR 97205
(503) 555-0101
Offers ketamine-assisted psychotherapy with a partner prescriber.
View profile
Rosa Delgado, PsyD
Portland, OR 97214
(503) 555-0102
View profile
Cascade KAP Collective
Beaverton, OR 97005
(971) 555-0103
View profile
Milo Brandt, LCSW
Lake Oswego, OR 97034
(503) 555-0104
View profile
Sunrise Integration Therapy
Gresham, OR 97030
(503) 555-0105
"""

RESEARCH_ABSTRACT = """Repeated ketamine infusions for treatment-resistant depression: a randomized trial
Abstract
Background: Ketamine has rapid antidepressant effects, but the durability of repeated infusions is unclear.
Methods: In this randomized, placebo-controlled trial, 120 participants received six infusions of ketamine or
midazolam over two weeks.
Results: Response rates were 52% with ketamine and 21% with midazolam (p < 0.01).
Conclusions: Repeated infusions were well tolerated and effective. doi:10.0000/example.2025.01
"""

SPONSORED_PROFILE = """Sponsored
Willow Creek Counseling
Amelia Hart, LMFT
I offer ketamine-assisted psychotherapy for adults with depression, anxiety and trauma. My clients work with a
partner physician who prescribes sublingual ketamine, and I guide the preparation, dosing and integration
sessions in my office in Bend, Oregon.
Call or email for a free 15-minute consultation.
"""

CASES = [
    (
        "clinic blog cost guide, generic only",
        CLINIC_BLOG_GENERIC_COST,
        "https://summitketamine.test/blog/how-much-does-ketamine-therapy-cost",
        "article",
    ),
    (
        "clinic blog post stating its own prices",
        CLINIC_BLOG_OWN_OFFER,
        "https://juniperketamine.test/blog/new-pricing-2025",
        "clinic",
    ),
    (
        "news about one clinic opening",
        NEWS_CLINIC_OPENING,
        "https://bridgeportcourier.test/local/ketamine-clinic-opens-downtown",
        "article",
    ),
    (
        "best clinics in a city",
        BEST_CLINICS_LIST,
        "https://denverhealthpicks.test/best-ketamine-clinics-denver",
        "directory",
    ),
    (
        "insurer page about Spravato",
        INSURER_SPRAVATO,
        "https://members.heartlandhealthplan.test/coverage/spravato",
        "article",
    ),
    (
        "clinic home page with a nav of Blog and Resources",
        CLINIC_HOME_WITH_NAV,
        "https://cedargroveketamine.test/",
        "clinic",
    ),
    (
        "provider-looking cost page without a blog address",
        PROVIDER_COST_PAGE_NO_BLOG_PATH,
        "https://brightpathwellness.test/ketamine-treatment-cost",
        "article",
    ),
    (
        "health information article",
        HEALTH_INFO_ARTICLE,
        "https://mindwellguide.test/ketamine-for-depression",
        "article",
    ),
    (
        "article naming several clinics",
        WHERE_TO_FIND_ARTICLE,
        "https://choosingcare.test/find-a-ketamine-provider",
        "article",
    ),
    (
        "a rehab centre's page on ketamine abuse",
        REHAB_KETAMINE_ABUSE,
        "https://serenityrecoverycenter.test/ketamine-addiction",
        "article",
    ),
    (
        "a clinic's service page without a name",
        CLINIC_SERVICE_PAGE_PLAIN,
        "https://valleyinfusions.test/iv-ketamine",
        "clinic",
    ),
    (
        "online providers compared",
        ONLINE_PROVIDERS_COMPARED,
        "https://homecareguide.test/online-ketamine-providers",
        "directory",
    ),
    (
        "a Spravato page in the third person",
        SPRAVATO_PAGE_THIRD_PERSON,
        "https://maplehillpsych.test/spravato",
        "clinic",
    ),
    (
        "a clinic FAQ that quotes market costs",
        CLINIC_FAQ_WITH_COSTS,
        "https://northfieldketamine.test/faq",
        "clinic",
    ),
    (
        "a government page",
        GOVERNMENT_PAGE,
        "https://www.drugfacts.test.gov/substances/ketamine",
        "article",
    ),
    (
        "university news",
        UNIVERSITY_NEWS,
        "https://news.stateu.test.edu/2025/04/ketamine-older-adults",
        "article",
    ),
    ("a provider's biography", PROVIDER_BIO, "https://whitfieldpsychiatry.test/about", "clinic"),
    (
        "a directory of therapists in plain text",
        THERAPIST_LISTINGS,
        "https://therapyindex.test/us/ketamine-therapists/or/portland",
        "directory",
    ),
    (
        "a research abstract",
        RESEARCH_ABSTRACT,
        "https://journalofmood.test/article/ketamine-repeated-infusions",
        "article",
    ),
    (
        "a provider-voiced sponsored profile",
        SPONSORED_PROFILE,
        "https://therapyindex.test/profile/amelia-hart",
        "clinic",
    ),
]


@pytest.mark.parametrize(("text", "url", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_page_type_of_a_trap(text, url, want):
    result = extract_page(text.encode(), url, content_type="text/plain")
    assert result["page_type"] == want
    if want != "clinic":
        assert (
            result["prices"] == [] and result["routes_offered"] == [] and result["conditions"] == []
        )
        assert result["phone"] is None and result["address"] is None


def test_a_blog_post_stating_its_own_prices_keeps_them():
    result = extract_page(
        CLINIC_BLOG_OWN_OFFER.encode(),
        "https://juniperketamine.test/blog/new-pricing-2025",
        content_type="text/plain",
    )
    assert {"iv", "spravato"} <= set(result["routes_offered"])
    assert 475 in {p["amount_min"] for p in result["prices"]}


def test_the_features_explain_the_type():
    result = extract_page(
        NEWS_CLINIC_OPENING.encode(),
        "https://bridgeportcourier.test/local/clinic-opens",
        content_type="text/plain",
        explain=True,
    )
    f = result["page_type_features"]
    assert f["dateline"] == 1 and f["byline"] == 1 and f["reporting"] > 0
    assert f["self_named_offer"] == 0  # a clinic named by a reporter is not the page's own voice
    assert result["page_type_confidence"] >= 0.8
