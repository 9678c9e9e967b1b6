/**
 * The words of the search corpus (search-corpus.ts), most frequent first: the corpus draws the word of rank k
 * with a probability about proportional to 1/k (Zipf), so a query's selectivity follows from its word's rank.
 * Lower case, letters only (nothing to escape in SQL). English stop words are included, as in real text; the
 * search index drops them.
 */

const ENGLISH = `
the i to you a and it is that of in for on me my be we have this not with do so are was just but what can
at your if get know all no like will ok about one they up now out he go how yes there think good time
when from well an by or as want see going some would here thanks did got let then need really right
today make she been more them back come had sure could us time who why where very work too still yeah
much day also any only way people should take new great our his her which tomorrow night week over
tell said thing something say after before feel love first last nice look maybe call send home again
other lol never off down because even better meeting tonight morning long next those find thank sorry
hey done give little two little same lot many keep help week year around fine through free while start
let's guess happy soon mean best always probably few things since though already everyone someone
stuff friend friends check talk play left wait sounds pretty school hope office team working later
cool bad hard big old doing thought place stop into put made every actually used idea problem until
looks money phone food house car coffee lunch dinner job project plan meet party weekend hour hours
minutes minute weather game music movie book email message picture photo video link file update
question answer change point open close early late remember forget ready leave watch read write
bring run walk move show try trying buy pay sell ask asked happen happened live life world family
kids kid mom dad brother sister baby dog cat water city town road street room door window table bed
news story name number part side end case fact group company business market price report data
system test bug fix release deploy server code design review issue version build branch merge
beautiful funny crazy weird amazing awesome perfect terrible easy important different possible
busy tired hungry sick late available interesting exciting worried afraid angry glad ready wrong true
real whole full enough half small large short high low young hot cold warm dark light black white red
blue green yellow quick slow fast together almost quite rather perhaps instead either anyway else
birthday holiday trip flight hotel ticket train bus airport beach mountain river lake park garden
shop store restaurant bar kitchen bathroom floor wall chair desk computer laptop screen keyboard
account password login app website page site internet network wifi battery charger camera card
bank cash bill rent cost deal offer sale order delivery package box bag gift present letter note
list schedule calendar appointment doctor hospital medicine health pain head hand eye face heart
body hair foot leg arm back voice song band concert show series episode season film actor player
match score goal win lose won lost team coach ball field gym class lesson teacher student homework
exam grade paper essay study university college course degree science history math art language
english spanish french german russian chinese japanese country state government law police war peace
church doctor nurse lawyer engineer manager boss client customer partner colleague neighbor guest
husband wife son daughter uncle aunt cousin grandma grandpa parents children girl boy man woman guy
guys folks everybody nobody anybody somebody anything everything nothing somewhere anywhere nowhere
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december spring summer autumn winter christmas easter yesterday
afternoon evening midnight noon moment second minute while period date age future past present
hello hi bye goodbye please welcome congrats congratulations cheers sorry excuse okay alright sure
agree disagree decide choose prefer enjoy hate miss wish expect explain understand learn teach
believe suppose imagine consider notice realize recognize suggest recommend mention describe discuss
argue complain worry care mind matter count depend belong contain include involve require allow
prevent avoid manage handle solve create build develop improve increase reduce raise drop fall rise
grow cut break fill cover hold carry catch throw pull push turn spend save waste earn borrow lend
share join follow lead win fight kill die born marry divorce travel visit stay return arrive reach
cross pass enter climb jump swim fly drive ride sit stand lie sleep wake dream cook eat drink wash
clean dress wear sing dance draw paint listen hear smell taste touch laugh cry smile shout whisper
`;

const ENGLISH_TAIL = `
apple banana orange grape lemon cherry peach pear plum melon mango berry tomato potato carrot onion
garlic pepper salt sugar butter cheese bread rice pasta pizza burger sandwich salad soup steak chicken
beef pork fish shrimp egg milk cream yogurt juice tea wine beer whiskey vodka cocktail dessert cake
cookie chocolate candy snack breakfast brunch menu waiter recipe oven fridge freezer stove plate bowl
cup glass fork knife spoon napkin bottle jar can pot pan tray basket bucket blanket pillow sheet towel
soap shampoo toothbrush mirror sink shower bathtub toilet lamp candle clock calendar poster frame shelf
drawer closet cabinet sofa couch carpet curtain ladder hammer screwdriver drill nail screw bolt wire
cable plug socket switch fan heater radiator boiler pipe tap hose roof chimney attic basement garage
fence gate yard lawn hedge tree bush flower rose tulip daisy grass leaf branch root seed soil stone
rock sand dust mud ice snow rain storm thunder lightning cloud fog wind breeze sunshine rainbow sky
star moon planet space rocket satellite ocean sea wave tide shore coast island bay harbor port ship
boat yacht canoe sail anchor bridge tunnel highway traffic jam accident crash ambulance fire alarm
siren helmet uniform badge ticket fine parking garage bicycle scooter motorcycle truck van taxi subway
tram platform station terminal gate luggage suitcase backpack passport visa border customs tourist
guide map compass route journey adventure voyage cruise resort villa cabin tent camping hiking fishing
hunting skiing surfing diving sailing cycling running jogging yoga pilates boxing karate wrestling
tennis golf hockey baseball basketball football soccer volleyball rugby cricket chess poker puzzle
riddle quiz trivia lottery casino jackpot bet gamble dice cards deck token coin wallet purse pocket
button zipper collar sleeve jacket coat sweater shirt blouse skirt dress jeans trousers shorts socks
shoes boots sandals slippers hat cap scarf gloves belt tie watch bracelet necklace ring earring
diamond gold silver copper iron steel metal plastic wood glass paper leather cotton wool silk velvet
fabric thread needle button pattern stripe dot circle square triangle rectangle shape size weight
height width depth length distance speed volume temperature pressure energy power force motion
gravity magnet battery engine motor wheel tire brake mirror horn dashboard steering seat belt trunk
hood bumper exhaust fuel diesel petrol electric hybrid charger plugin cable adapter router modem
printer scanner projector speaker headphones microphone webcam tablet smartphone smartwatch drone
robot sensor chip processor memory storage disk cloud backup archive folder document spreadsheet
slide presentation template invoice receipt contract agreement proposal budget forecast revenue
profit loss expense salary bonus pension tax refund discount coupon voucher subscription membership
license permit certificate diploma resume interview hiring recruiter candidate intern promotion
deadline milestone sprint backlog roadmap kickoff standup retrospective demo prototype mockup
wireframe feedback survey metrics dashboard analytics insight strategy vision mission objective
priority risk dependency blocker workaround hotfix patch rollback outage incident postmortem alert
monitoring logging tracing latency throughput bandwidth capacity cluster container kubernetes docker
database query index schema migration table column record cache queue worker scheduler cron job
pipeline artifact registry repository commit rebase conflict pullrequest approval reviewer linter
compiler debugger profiler benchmark regression coverage assertion fixture mock stub integration
frontend backend fullstack mobile desktop browser extension plugin library framework package module
function variable constant parameter argument exception error warning crash freeze timeout retry
encryption certificate firewall proxy tunnel vpn token session cookie permission role policy audit
compliance privacy security vulnerability exploit phishing spam malware virus antivirus scanner
journalist editor publisher author writer poet novel chapter paragraph sentence headline article
magazine newspaper journal column blog podcast interview documentary trailer premiere festival
gallery museum exhibition sculpture portrait landscape canvas brush palette sketch drawing cartoon
comic anime manga animation studio director producer screenplay soundtrack orchestra symphony opera
ballet theater stage audience applause encore ticket queue crowd festival parade carnival fireworks
wedding anniversary funeral ceremony reception banquet toast speech invitation rsvp dresscode tuxedo
bride groom honeymoon engagement proposal romance date crush flirt breakup heartbreak loneliness
happiness sadness anger fear surprise disgust jealousy pride shame guilt relief gratitude curiosity
patience courage honesty loyalty kindness respect trust faith hope charity mercy justice freedom
democracy election vote candidate campaign debate parliament senate congress minister president
mayor governor ambassador diplomat treaty alliance sanction embargo tariff inflation recession
economy stock shares dividend investor startup venture funding valuation acquisition merger ipo
crypto bitcoin blockchain mining wallet exchange ledger contract auction bid broker dealer trader
farmer fisherman baker butcher carpenter plumber electrician mechanic painter gardener cleaner
driver pilot captain sailor soldier officer sergeant detective inspector judge jury witness suspect
criminal prisoner thief robbery burglary fraud scandal rumor gossip secret mystery clue evidence
alibi verdict sentence appeal lawsuit settlement attorney prosecutor defendant plaintiff hearing
volcano earthquake tsunami hurricane tornado flood drought wildfire avalanche landslide eruption
glacier desert jungle forest savanna tundra prairie valley canyon cliff cave waterfall spring creek
pond swamp marsh meadow orchard vineyard farm barn stable ranch village suburb downtown neighborhood
lion tiger bear wolf fox deer rabbit squirrel mouse rat hamster horse cow pig sheep goat chicken duck
goose turkey eagle hawk owl parrot pigeon crow swan penguin dolphin whale shark octopus jellyfish
crab lobster turtle frog snake lizard crocodile spider ant bee wasp butterfly mosquito beetle worm
galloped gallop trotted cantered whispered shimmered glimmered flickered rustled drizzled sauntered
meandered pondered wandered lingered hovered shivered quivered stumbled fumbled grumbled mumbled
tangerine apricot nectarine pomegranate persimmon kumquat quince gooseberry elderberry cranberry
blueberry raspberry strawberry blackberry mulberry watermelon cantaloupe honeydew pineapple coconut
avocado artichoke asparagus broccoli cauliflower cabbage lettuce spinach kale celery cucumber zucchini
eggplant pumpkin squash radish turnip beet parsnip leek shallot ginger turmeric cinnamon nutmeg clove
cardamom saffron vanilla oregano basil thyme rosemary parsley cilantro dill mint sage lavender
chamomile jasmine hibiscus magnolia orchid lily sunflower daffodil peony lilac marigold carnation
kaleidoscope labyrinth juxtaposition serendipity quintessential ephemeral ubiquitous idiosyncrasy
onomatopoeia palindrome anagram hieroglyph calligraphy typography lithograph daguerreotype zeppelin
xylophone harpsichord accordion bagpipes clarinet saxophone trombone tuba cello violin viola banjo
mandolin ukulele harmonica tambourine didgeridoo sitar theremin glockenspiel marimba castanets
archipelago peninsula isthmus fjord atoll lagoon estuary delta plateau mesa butte escarpment moraine
stalactite stalagmite geyser caldera fumarole obsidian basalt granite marble limestone sandstone
quartz amethyst sapphire emerald ruby topaz opal turquoise garnet jade onyx amber pearl coral
aardvark armadillo axolotl capybara chinchilla chameleon flamingo hedgehog iguana jaguar kangaroo
koala lemur llama manatee meerkat mongoose narwhal ocelot okapi orangutan pangolin platypus porcupine
quokka raccoon salamander sloth tapir toucan walrus wombat yak zebra gazelle antelope bison buffalo
`;

/** Russian words, most frequent first; the forms of "кошка" come in at medium frequency. */
const RUSSIAN = `
и в не на я что он с как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять
уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб
без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь
этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой
хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо
свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между привет спасибо
пока завтра сегодня вчера утром вечером ночью день неделя время работа дом домой встреча письмо
кошка кошки кошку кошкой кошке кошек собака собаки собаку друг друзья подруга мама папа брат сестра
дети ребенок семья город улица машина поезд самолет билет отпуск море лето зима весна осень погода
дождь снег солнце холодно тепло жарко еда обед ужин завтрак кофе чай вода хлеб сыр мясо рыба суп
пицца магазин деньги цена работу проект задача отчет код сервер база данных ошибка релиз версия тест
команда начальник клиент звонок телефон сообщение фото видео ссылка файл документ вопрос ответ идея
план встречу созвон перенести отменить подтвердить согласен отлично круто здорово прикольно смешно
грустно устал занят свободен болею выздоравливай поздравляю счастья здоровья удачи любви праздник
день рождения подарок торт свечи гости вечеринка концерт кино фильм сериал книга музыка песня игра
футбол хоккей матч счет победа гол тренировка бег зал бассейн велосипед прогулка парк лес река озеро
гора дача огород сад цветы дерево яблоко груша вишня клубника малина картошка морковь лук огурец
помидор суббота воскресенье понедельник вторник среда четверг пятница январь февраль март апрель май
июнь июль август сентябрь октябрь ноябрь декабрь новый старый большой маленький хороший плохой
красивый интересный важный срочный быстро медленно рано поздно далеко близко вместе отдельно
котенок котята котенка мышка мышку птица птицы лошадь лошади корова коровы медведь волк лиса заяц
самовар балалайка матрешка валенки ушанка пельмени борщ блины квас окрошка солянка сгущенка
`;

function words(text: string): string[] {
  const seen = new Set<string>();
  for (const w of text.split(/\s+/)) if (/^\p{L}+$/u.test(w)) seen.add(w);
  return [...seen];
}

/** Distinct English words, most frequent first (the common ones, then a long tail of rarer ones). */
export const ENGLISH_WORDS: readonly string[] = words(`${ENGLISH}\n${ENGLISH_TAIL}`);
/** Distinct Russian words, most frequent first. */
export const RUSSIAN_WORDS: readonly string[] = words(RUSSIAN);

/** The Russian query words, one lemma in several forms: the Russian stemmer must find every form of the others. */
export const RUSSIAN_FORMS: readonly string[] = ['кошка', 'кошки', 'кошку', 'кошкой', 'кошке', 'кошек'];
