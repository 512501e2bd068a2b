"""Demo news and galleries of the two seed projects, with illustrations drawn by Pillow.

There are no real photos: each picture is a simple, deterministic scene (sky, ground, buildings,
figures without faces) drawn here and fed through `store_image`, so that it is stored exactly like
an upload. The stories follow what the projects really did (see shared/seeds/): after-school and
medical tests in Botoșani, the drawing contest, the waste-collection day, intergenerational
meetings, the multicultural show, the results conference; excursions and cultural evenings in Bacău.
Loading again adds nothing: a post or a gallery photo already there (same title or description) is kept.
"""
from __future__ import annotations

import io
import random
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.actor import system_actor
from portal.domain.news import services as news
from portal.domain.news.models import MediaImage, NewsPost
from portal.domain.projects.models import Project

WIDTH, HEIGHT = 960, 640

# Scene painters -----------------------------------------------------------------------------------

Palette = tuple[int, int, int]


def _sky(size, top: Palette, bottom: Palette) -> Image.Image:
    gradient = Image.linear_gradient("L").resize(size)
    return ImageOps.colorize(gradient, top, bottom).convert("RGB")


def _person(draw: ImageDraw.ImageDraw, x: int, ground: int, height: int, colour: Palette, skin: Palette) -> None:
    """A figure without a face: a round head on a rounded body."""
    head = height // 5
    draw.rounded_rectangle((x - height // 5, ground - height + head, x + height // 5, ground),
                           radius=height // 8, fill=colour)
    draw.ellipse((x - head // 2 - 2, ground - height - 2, x + head // 2 + 2, ground - height + head + 2), fill=skin)


def _tree(draw, x: int, ground: int, size: int, green: Palette) -> None:
    draw.rectangle((x - size // 10, ground - size, x + size // 10, ground), fill=(110, 78, 48))
    draw.ellipse((x - size // 2, ground - size * 2, x + size // 2, ground - size + size // 4), fill=green)


def _building(draw, box, wall: Palette, roof: Palette, windows: Palette, rows: int = 2, cols: int = 4) -> None:
    left, top, right, bottom = box
    draw.rectangle(box, fill=wall)
    draw.polygon([(left - 20, top), ((left + right) // 2, top - (right - left) // 4), (right + 20, top)], fill=roof)
    cell_w, cell_h = (right - left) / cols, (bottom - top) / (rows + 1)
    for row in range(rows):
        for col in range(cols):
            x, y = left + col * cell_w + cell_w * .25, top + row * cell_h + cell_h * .35
            draw.rectangle((x, y, x + cell_w * .5, y + cell_h * .45), fill=windows)


SKINS = [(241, 194, 150), (224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172)]
CLOTHES = [(220, 76, 70), (52, 120, 190), (250, 190, 40), (90, 170, 90), (150, 90, 180), (240, 130, 40)]


def _crowd(draw, rng: random.Random, ground: int, count: int, left: int, right: int, tall: tuple[int, int]) -> None:
    for index in range(count):
        x = left + (right - left) * (index + .5) / count + rng.randint(-15, 15)
        _person(draw, int(x), ground + rng.randint(-6, 6), rng.randint(*tall), rng.choice(CLOTHES), rng.choice(SKINS))


def _outdoor(rng, sky=((120, 180, 235), (215, 235, 250)),
             grass=(110, 170, 90)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = _sky((WIDTH, HEIGHT), *sky)
    draw = ImageDraw.Draw(image)
    draw.ellipse((WIDTH - 190, 50, WIDTH - 90, 150), fill=(255, 214, 90))
    draw.ellipse((-200, HEIGHT * .55, WIDTH * .6, HEIGHT * 1.1), fill=tuple(max(c - 20, 0) for c in grass))
    draw.ellipse((WIDTH * .35, HEIGHT * .58, WIDTH + 250, HEIGHT * 1.2), fill=grass)
    draw.rectangle((0, HEIGHT * .72, WIDTH, HEIGHT), fill=grass)
    return image, draw


def _school(rng):
    image, draw = _outdoor(rng)
    _building(draw, (160, 250, 620, 470), (236, 214, 170), (170, 70, 60), (120, 170, 210), rows=2, cols=5)
    draw.rectangle((360, 390, 420, 470), fill=(120, 80, 50))
    _tree(draw, 760, 480, 120, (70, 140, 70))
    _crowd(draw, rng, 560, 6, 120, 860, (70, 100))
    return image


def _clinic(rng):
    image, draw = _outdoor(rng, grass=(130, 180, 110))
    _building(draw, (240, 230, 720, 480), (245, 245, 245), (90, 120, 160), (150, 200, 230), rows=2, cols=4)
    draw.rectangle((455, 150, 505, 250), fill=(40, 150, 90))
    draw.rectangle((430, 175, 530, 225), fill=(40, 150, 90))
    _crowd(draw, rng, 570, 5, 150, 820, (130, 170))
    return image


def _chalk(rng):
    image = _sky((WIDTH, HEIGHT), (175, 175, 180), (125, 125, 132))
    draw = ImageDraw.Draw(image)
    for _index in range(9):
        x, y, r = rng.randint(60, WIDTH - 60), rng.randint(60, HEIGHT - 200), rng.randint(35, 80)
        colour = rng.choice([(255, 240, 120), (255, 150, 190), (140, 210, 255), (170, 240, 150), (255, 190, 120)])
        shape = rng.randint(0, 2)
        if shape == 0:  # a sun
            draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=8)
            for step in range(8):
                dx, dy = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)][step]
                draw.line((x + dx * r * 1.2, y + dy * r * 1.2, x + dx * r * 1.6, y + dy * r * 1.6), fill=colour,
                          width=7)
        elif shape == 1:  # a flower
            for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0)):
                draw.ellipse((x + dx * r * .6 - r * .45, y + dy * r * .6 - r * .45, x + dx * r * .6 + r * .45,
                              y + dy * r * .6 + r * .45), outline=colour, width=7)
        else:  # a house
            draw.rectangle((x - r, y - r // 2, x + r, y + r), outline=colour, width=7)
            draw.line((x - r, y - r // 2, x, y - r * 1.3, x + r, y - r // 2), fill=colour, width=7)
    _crowd(draw, rng, HEIGHT - 30, 5, 80, WIDTH - 80, (90, 130))
    return image


def _cleanup(rng):
    image, draw = _outdoor(rng, grass=(95, 165, 85))
    for x in (120, 300, 780, 880):
        _tree(draw, x, 440, rng.randint(90, 130), (60, 130, 60))
    for x in range(150, 850, 110):
        draw.rounded_rectangle((x, 560, x + 55, 625), radius=18, fill=rng.choice([(40, 90, 50), (230, 200, 40),
                                                                                  (50, 90, 170)]))
    _crowd(draw, rng, 545, 7, 80, 880, (120, 160))
    return image


def _bench(rng):
    image, draw = _outdoor(rng, sky=((250, 200, 150), (250, 235, 210)), grass=(120, 170, 95))
    _tree(draw, 150, 470, 140, (80, 150, 80))
    _tree(draw, 820, 470, 120, (90, 160, 90))
    draw.rectangle((330, 470, 630, 490), fill=(140, 90, 50))
    draw.rectangle((330, 420, 630, 440), fill=(140, 90, 50))
    for x in (340, 610):
        draw.rectangle((x, 490, x + 12, 540), fill=(90, 60, 40))
    _person(draw, 400, 500, 150, (120, 120, 140), SKINS[0])
    _person(draw, 560, 500, 150, (150, 100, 80), SKINS[3])
    _person(draw, 470, 560, 95, CLOTHES[2], SKINS[1])
    _person(draw, 680, 570, 90, CLOTHES[0], SKINS[4])
    return image


def _stage(rng):
    image = _sky((WIDTH, HEIGHT), (35, 20, 60), (80, 40, 90))
    draw = ImageDraw.Draw(image)
    for x in (120, 480, 840):
        draw.polygon([(x, 0), (x - 140, 470), (x + 140, 470)], fill=(110, 80, 120))
    draw.rectangle((0, 0, 110, 470), fill=(160, 30, 50))
    draw.rectangle((WIDTH - 110, 0, WIDTH, 470), fill=(160, 30, 50))
    for index in range(14):
        x = index * WIDTH / 13
        draw.polygon([(x, 20), (x + 35, 20), (x + 17, 60)], fill=CLOTHES[index % len(CLOTHES)])
    draw.rectangle((0, 470, WIDTH, HEIGHT), fill=(70, 45, 35))
    _crowd(draw, rng, 460, 5, 220, 740, (150, 190))
    for row, y in enumerate((600, 640)):
        for x in range(30 + row * 30, WIDTH, 60):
            draw.ellipse((x - 22, y - 50, x + 22, y - 6), fill=(25, 20, 30))
    return image


def _conference(rng):
    image = _sky((WIDTH, HEIGHT), (230, 232, 236), (205, 208, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((250, 60, 710, 330), fill=(255, 255, 255), outline=(90, 90, 100), width=4)
    for index, value in enumerate((.55, .8, .95, .7, 1.0)):
        x = 300 + index * 80
        draw.rectangle((x, 300 - 200 * value, x + 50, 300), fill=(11, 93, 122))
    draw.rectangle((60, 380, 300, 440), fill=(120, 80, 50))
    _person(draw, 180, 380, 130, (40, 50, 70), SKINS[0])
    for y in (520, 600):
        for x in range(40, WIDTH, 75):
            draw.rounded_rectangle((x, y - 40, x + 55, y + 20), radius=10, fill=(60, 70, 110))
            draw.ellipse((x + 8, y - 85, x + 47, y - 45), fill=rng.choice(SKINS))
    return image


def _mountains(rng):
    image = _sky((WIDTH, HEIGHT), (100, 160, 230), (225, 240, 250))
    draw = ImageDraw.Draw(image)
    for left, peak, colour in ((-100, 180, (110, 120, 150)), (250, 120, (90, 105, 140)), (600, 200, (120, 130, 160))):
        draw.polygon([(left, 480), (left + 250, peak), (left + 500, 480)], fill=colour)
        draw.polygon([(left + 200, peak + 60), (left + 250, peak), (left + 300, peak + 60)], fill=(245, 245, 250))
    draw.rectangle((0, 470, WIDTH, HEIGHT), fill=(100, 160, 80))
    for x in (60, 160, 860):
        draw.polygon([(x, 300), (x - 45, 480), (x + 45, 480)], fill=(40, 100, 60))
    draw.rounded_rectangle((560, 470, 900, 580), radius=25, fill=(240, 190, 40))
    for x in range(585, 880, 55):
        draw.rectangle((x, 490, x + 40, 525), fill=(170, 210, 240))
    _crowd(draw, rng, 610, 6, 100, 520, (90, 140))
    return image


def _evening(rng):
    image = _sky((WIDTH, HEIGHT), (20, 30, 70), (90, 60, 110))
    draw = ImageDraw.Draw(image)
    draw.line((0, 80, WIDTH, 110), fill=(60, 50, 40), width=3)
    for index in range(12):
        x = 40 + index * 80
        draw.ellipse((x - 16, 90 + index % 3 * 5, x + 16, 130 + index % 3 * 5), fill=(255, 205, 110))
    draw.rectangle((0, 470, WIDTH, HEIGHT), fill=(60, 45, 45))
    draw.rectangle((120, 420, 840, 460), fill=(230, 225, 215))
    for x in range(160, 820, 90):
        draw.ellipse((x, 400, x + 60, 430), fill=rng.choice([(200, 80, 50), (240, 200, 90), (120, 160, 80)]))
    _crowd(draw, rng, 600, 7, 80, 880, (140, 180))
    return image


def _shop(rng):
    image = _sky((WIDTH, HEIGHT), (240, 236, 226), (222, 214, 200))
    draw = ImageDraw.Draw(image)
    for y in (120, 250, 380):
        draw.rectangle((80, y, 880, y + 16), fill=(140, 100, 60))
        for x in range(100, 860, 48):
            draw.rectangle((x, y - rng.randint(50, 90), x + 36, y), fill=rng.choice(CLOTHES))
    draw.rectangle((0, 520, WIDTH, HEIGHT), fill=(190, 170, 140))
    _crowd(draw, rng, 600, 3, 200, 760, (160, 190))
    return image


def _workshop(rng):
    image = _sky((WIDTH, HEIGHT), (245, 240, 225), (230, 222, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((160, 60, 800, 300), fill=(40, 80, 60), outline=(120, 80, 50), width=12)
    for index in range(4):
        draw.line((220, 110 + index * 45, 220 + rng.randint(250, 500), 110 + index * 45), fill=(230, 230, 220), width=6)
    for y in (470, 580):
        for x in range(80, WIDTH - 80, 160):
            draw.rectangle((x, y, x + 120, y + 18), fill=(170, 120, 70))
            _person(draw, x + 60, y + 10, 90, rng.choice(CLOTHES), rng.choice(SKINS))
    return image


def _home_visit(rng):
    image, draw = _outdoor(rng, sky=((150, 195, 235), (230, 240, 250)), grass=(120, 165, 95))
    _building(draw, (260, 300, 600, 500), (240, 225, 200), (160, 80, 50), (140, 190, 220), rows=1, cols=3)
    draw.rectangle((400, 420, 460, 500), fill=(110, 70, 40))
    _tree(draw, 760, 500, 130, (70, 140, 70))
    _person(draw, 520, 590, 160, (60, 130, 170), SKINS[2])
    _person(draw, 620, 590, 150, (140, 120, 110), SKINS[0])
    return image


def _summer_camp(rng):
    image, draw = _outdoor(rng, sky=((90, 170, 240), (200, 230, 250)), grass=(105, 175, 80))
    for x, colour in ((180, (230, 110, 50)), (420, (60, 140, 200)), (680, (240, 190, 40))):
        draw.polygon([(x, 520), (x + 100, 380), (x + 200, 520)], fill=colour)
        draw.polygon([(x + 85, 520), (x + 100, 440), (x + 115, 520)], fill=(60, 40, 30))
    _crowd(draw, rng, 610, 8, 60, 900, (80, 120))
    return image


def _museum(rng):
    image = _sky((WIDTH, HEIGHT), (238, 234, 228), (215, 208, 198))
    draw = ImageDraw.Draw(image)
    for x in (90, 390, 690):
        draw.rectangle((x, 90, x + 190, 300), fill=(150, 110, 60))
        inner = _sky((160, 180), rng.choice(CLOTHES), rng.choice(CLOTHES))
        image.paste(inner, (x + 15, 105))
    draw.rectangle((0, 500, WIDTH, HEIGHT), fill=(160, 120, 90))
    _crowd(draw, rng, 590, 7, 80, 880, (100, 160))
    return image


SCENES = {
    "school": _school, "clinic": _clinic, "chalk": _chalk, "cleanup": _cleanup, "bench": _bench,
    "stage": _stage, "conference": _conference, "mountains": _mountains, "evening": _evening, "shop": _shop,
    "workshop": _workshop, "home_visit": _home_visit, "summer_camp": _summer_camp, "museum": _museum,
}


def illustration(scene: str, seed: int) -> bytes:
    """A deterministic illustration, as the PNG an upload would bring (lossless: one lossy encoding only)."""
    image = SCENES[scene](random.Random(seed))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


# The stories -------------------------------------------------------------------------------------

def _post(code: str, days_ago: int, title: tuple[str, str], summary: tuple[str, str], body: tuple[str, str],
          photos: list[tuple[str, str, str, bool]]) -> dict:
    """A demo post: (Romanian, English) texts; photos as (scene, alt ro, alt en, also in the gallery)."""
    return {"code": code, "days_ago": days_ago, "title": title, "summary": summary, "body": body, "photos": photos}


POSTS = [
    _post(
        "155550", 150,
        ("A început programul Școală după școală pentru 98 de copii",
         "The after-school programme has started for 98 children"),
        ("Copiii din Zona Urbană Marginalizată Parcul Tineretului primesc zilnic sprijin la teme, o masă caldă și "
         "rechizite.",
         "Children from the Parcul Tineretului marginalised zone get daily homework help, a hot meal and school "
         "supplies."),
        ("Programul Școală după școală s-a deschis în Școlile Gimnaziale nr. 2 și nr. 8 și la Liceul Pedagogic "
         "„Nicolae Iorga”. 98 de copii aflați în risc de abandon școlar vin după ore la teme, lectură și jocuri.\n\n"
         "Primăria Botoșani asigură mese calde și rechizite gratuite, iar fiecare copil primește o subvenție de 500 "
         "de lei. Părinții sunt așteptați la întâlnirile lunare cu profesorii.",
         "The after-school programme opened at Secondary Schools no. 2 and no. 8 and at the “Nicolae Iorga” teacher "
         "training high school. 98 children at risk of dropping out come after class for homework, reading and "
         "games.\n\nBotoșani City Hall provides hot meals and free school supplies, and each child receives a 500 lei "
         "subsidy. Parents are welcome at the monthly meetings with the teachers."),
        [("school", "Copii în fața școlii, la începutul programului Școală după școală",
          "Children in front of the school at the start of the after-school programme", True),
         ("workshop", "Copii la teme într-o sală de clasă", "Children doing homework in a classroom", False)]),
    _post(
        "155550", 110,
        ("Analize medicale gratuite pentru locuitorii din Parcul Tineretului",
         "Free medical tests for the people of Parcul Tineretului"),
        ("Cu sprijinul Direcției de Asistență Socială, aproximativ 500 de persoane din grupul țintă își fac analizele "
         "gratuit.",
         "With the help of the Social Assistance Directorate, about 500 people of the target group get free medical "
         "tests."),
        ("Analizele se fac la Centrul Comunitar Integrat, pe bază de programare. Asistenții sociali ajută persoanele "
         "vârstnice să ajungă la centru și să își ridice rezultatele.\n\n"
         "Programările se fac la sediul centrului sau prin asistentul social al familiei.",
         "The tests take place at the Integrated Community Centre, by appointment. Social workers help elderly "
         "people get to the centre and collect their results.\n\n"
         "Appointments are made at the centre or through the family's social worker."),
        [("clinic", "Persoane care așteaptă la Centrul Comunitar Integrat",
          "People waiting at the Integrated Community Centre", True)]),
    _post(
        "155550", 70,
        ("Concurs de desene pe asfalt și lecții de educație rutieră",
         "Pavement drawing contest and road safety lessons"),
        ("50 de copii au desenat pe asfalt și au învățat cum se traversează în siguranță; primăria a oferit premii în "
         "bani.",
         "50 children drew on the pavement and learnt how to cross the road safely; the city hall gave cash prizes."),
        ("Curtea școlii s-a umplut de sori, flori și case desenate cu cretă colorată. Polițiștii locali au vorbit cu "
         "copiii despre trecerea de pietoni și despre drumul spre școală.\n\n"
         "Juriul a premiat cele mai frumoase desene, iar toți participanții au primit diplome.",
         "The schoolyard filled with suns, flowers and houses drawn in coloured chalk. Local police officers talked "
         "with the children about pedestrian crossings and the way to school.\n\n"
         "The jury rewarded the finest drawings, and every participant received a diploma."),
        [("chalk", "Desene cu cretă colorată pe asfalt: sori, flori și case",
          "Coloured chalk drawings on the pavement: suns, flowers and houses", True),
         ("chalk", "Copii care desenează pe asfaltul din curtea școlii", "Children drawing on the schoolyard pavement",
          False)]),
    _post(
        "155550", 35,
        ("Ziua colectării selective: 100 de voluntari în Parcul Tineretului",
         "Waste-collection day: 100 volunteers in Parcul Tineretului"),
        ("Locuitorii zonei și elevii din internate au strâns deșeurile din parc și de pe străzile din jur.",
         "People of the zone and boarding-school pupils cleared the park and the nearby streets."),
        ("Voluntarii au primit mănuși și saci pentru colectarea separată a plasticului, hârtiei și sticlei. Orele de "
         "muncă în folosul comunității se pot folosi la Magazinul social.\n\n"
         "Următoarea acțiune va fi anunțată pe pagina de voluntariat.",
         "Volunteers received gloves and bags to collect plastic, paper and glass separately. Community-work hours "
         "can be spent at the Social Shop.\n\n"
         "The next clean-up will be announced on the volunteering page."),
        [("cleanup", "Voluntari cu saci de gunoi în Parcul Tineretului",
          "Volunteers with rubbish bags in Parcul Tineretului", True)]),
    _post(
        "BC-SDL-2022", 50,
        ("Seară culturală în cartierul Izvoare: tradiții, bucate și port popular",
         "Cultural evening in Izvoare: traditions, food and costumes"),
        ("Familiile din Izvoare și Letea au prezentat obiceiurile, mâncărurile și costumele comunităților din zonă.",
         "Families from Izvoare and Letea presented the customs, dishes and costumes of the area's communities."),
        ("Prima dintre cele trei seri culturale ale proiectului a adunat vecini de toate vârstele în jurul unei mese "
         "cu bucate tradiționale. Copiii au prezentat un scurt program de cântece și dansuri.\n\n"
         "Următoarea seară culturală va avea loc în cartierul Letea.",
         "The first of the project's three cultural evenings brought neighbours of all ages together around a table "
         "of traditional dishes. The children performed a short programme of songs and dances.\n\n"
         "The next cultural evening will take place in Letea."),
        [("evening", "Vecini la o masă cu bucate tradiționale, sub felinare",
          "Neighbours at a table of traditional dishes under lanterns", True)]),
    _post(
        "BC-SDL-2022", 14,
        ("Excursie tematică de două zile pentru 40 de elevi", "A two-day thematic excursion for 40 pupils"),
        ("Elevii școlilor din zona proiectului au vizitat munții Neamțului, cu cazare, masă și transport asigurate.",
         "Pupils from the project's schools visited the Neamț mountains, with accommodation, meals and transport "
         "provided."),
        ("Patruzeci de elevi și patru însoțitori au plecat din Bacău spre munte. Au vizitat o cetate, un muzeu de "
         "istorie și au făcut o drumeție ușoară cu un ghid.\n\n"
         "A doua excursie a proiectului este programată în vacanța de vară.",
         "Forty pupils and four companions left Bacău for the mountains. They visited a fortress and a history "
         "museum and went on an easy hike with a guide.\n\n"
         "The project's second excursion is planned for the summer holiday."),
        [("mountains", "Elevi în fața autocarului, cu munții în fundal",
          "Pupils by the coach, with the mountains behind", True),
         ("museum", "Elevi într-o sală de muzeu cu tablouri", "Pupils in a museum room with paintings", False)]),
]

GALLERY = {
    "155550": [
        ("bench", "Seniori și copii la o întâlnire intergenerațională în parc",
         "Seniors and children at an intergenerational meeting in the park"),
        ("stage", "Spectacolul campaniei de promovare a multiculturalității",
         "The show of the multiculturalism campaign"),
        ("conference", "Conferința de prezentare a rezultatelor proiectului, la Primăria Botoșani",
         "The conference presenting the project's results at Botoșani City Hall"),
        ("shop", "Rafturile Magazinului social", "The shelves of the Social Shop"),
    ],
    "BC-SDL-2022": [
        ("summer_camp", "Corturi și copii la școala de vară", "Tents and children at the summer school"),
        ("workshop", "Atelier de educație juridică într-o școală din Izvoare",
         "A legal education workshop in an Izvoare school"),
        ("home_visit", "Asistentă medicală în vizită la domiciliu", "A nurse on a home visit"),
        ("museum", "Vizită de grup la muzeu", "A group visit to the museum"),
    ],
}


def load_demo_news(db: Session, media_dir: str | Path, today: date) -> int:
    """The demo posts and gallery photos that are missing; returns how many photos were stored."""
    actor = system_actor(frozenset({news.PUBLIC_PUBLISH}), address="demo")
    projects = {project.code: project for project in db.scalars(select(Project))}
    stored = 0
    for index, spec in enumerate(POSTS):
        project = projects.get(spec["code"])
        title_ro, title_en = spec["title"]
        if project is None or db.scalar(select(NewsPost.id).where(NewsPost.title_ro == title_ro)):
            continue
        post = news.create_post(db, news.NewsData(
            project_id=project.id, title_ro=title_ro, title_en=title_en, summary_ro=spec["summary"][0],
            summary_en=spec["summary"][1], body_ro=spec["body"][0], body_en=spec["body"][1],
            published_on=today - timedelta(days=spec["days_ago"]), is_published=True), actor)
        for number, (scene, alt_ro, alt_en, in_gallery) in enumerate(spec["photos"]):
            news.store_image(db, illustration(scene, index * 10 + number), media_dir=media_dir,
                             project_id=project.id, actor=actor, alt_ro=alt_ro, alt_en=alt_en,
                             in_gallery=in_gallery, news_post_id=post.id)
            stored += 1
    for code, photos in GALLERY.items():
        project = projects.get(code)
        if project is None:
            continue
        for number, (scene, alt_ro, alt_en) in enumerate(photos):
            if db.scalar(select(MediaImage.id).where(MediaImage.project_id == project.id,
                                                     MediaImage.alt_ro == alt_ro)):
                continue
            news.store_image(db, illustration(scene, 100 + number + len(code)), media_dir=media_dir,
                             project_id=project.id, actor=actor, alt_ro=alt_ro, alt_en=alt_en, in_gallery=True)
            stored += 1
    db.flush()
    return stored
