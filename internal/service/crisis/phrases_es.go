package crisis

// This file is the curated Spanish phrase table, with the Spanglish that
// Spanish speakers in the US write (overdose, OD, cutting, kms). Accents do
// not matter: the text and the phrases are both read without them (see
// foldAccent), so "matarme", "suicidio" or "despertar" are written here once.
// See the package documentation for the choices behind these lists, which
// follow the English table's.

func init() {
	registerLanguage(spanish)
}

// esWant opens statements of wanting or planning something ("quiero",
// "quisiera", ...). "voy a" and "iba a" are not in it: "pensé que me iba a
// morir" tells of a fear, often of an overdose survived.
const esWant = "{" + esWantForms + "}"

// esWantForms are the alternatives of esWant.
const esWantForms = "quiero|queria|quisiera|quise|he querido|deseo|necesito|tengo ganas de|me dan ganas de|me dieron ganas de|pienso en|pensando en|pense en|he pensado en|planeo|tengo un plan para|plan para|intente|trate de"

// esWantOrWill is esWant with "voy a", for acts that only intent names
// ("voy a matarme"). "iba a matarme" is left out: "mi papá iba a matarme".
const esWantOrWill = "{" + esWantForms + "|voy a}"

// esCut are the first-person forms of cutting oneself ("me corté").
const esCut = "{cortarme|cortandome|me corto|me corte|me cortaba|me he cortado|me estoy cortando|me volvi a cortar|me vuelvo a cortar|me quiero cortar|me voy a cortar|volvi a cortarme}"

// esHurt are the first-person forms of hurting oneself.
const esHurt = "{hacerme dano|me hago dano|me hice dano|me he hecho dano|lastimarme|me lastimo|me lastime|me estoy lastimando|herirme|me hiero}"

// esPills are the medicine words of overdose phrases.
const esPills = "{pastillas|pastis|pildoras|pills|medicinas|medicamentos|tabletas|meds|calmantes|somniferos}"

// esNoWakeUp are the wishes not to wake up ("ojalá no despierte").
const esNoWakeUp = "{ojala|espero|quisiera|deseo} {no despierte|no despertar|no despertara|nunca despierte|no volver a despertar|no vuelva a despertar}"

// esWakeUpIdioms follow "ojalá no despierte" in everyday worries
// ("... tarde", "... con resaca").
const esWakeUpIdioms = "{tarde|temprano|con|cruda|crudo|de malas|cansado|cansada|enfermo|enferma|a medianoche|en la noche|en la madrugada|a las|antes|despues|otra vez tarde}"

var spanish = language{
	code: "es",

	// Intensifiers people put inside phrases ("ya no quiero pinche vivir").
	fillers: []string{
		"realmente", "neta", "literal", "literalmente", "sinceramente",
		"honestamente", "pinche", "pinches", "puta", "puto", "jodida",
		"jodido", "maldita", "maldito",
	},

	equivalents: [][]string{
		// Phone spellings.
		{"quiero", "kiero", "qiero", "kero"},
		{"que", "q", "k"},
		{"porque", "xq", "pq", "porq"},
		{"para", "pa"},
		{"aqui", "aca"},
		{"nadie", "naiden"},
		{"od", "o d"},
		{"mas", "mass"},
	},

	categories: []category{
		{
			name: "suicide named",
			phrases: []string{
				"suicidio", "suicidios", "suicida", "suicidas",
				"suicidarme", "suicidarse", "suicidarte", "suicidandome",
				"suicido", "suicidaria", "suicidarnos",
				// Common misspellings.
				"sucidio", "suisidio", "suicdio", "suisida", "sucida",
				// "kms" (kill myself) in Spanglish, with a Spanish lead-in.
				"{quiero|voy a|me voy a|pienso|ganas de|deberia} kms",
			},
		},
		{
			name: "suicidal ideation",
			phrases: []string{
				esWant + " {morirme|morir|estar muerto|estar muerta|dejar de existir|desaparecer para siempre|no existir}",
				esWantOrWill + " {matarme|quitarme la vida|acabar con mi vida|terminar con mi vida}",
				"me {quiero|queria} {matar|morir|quitar la vida}",
				"me voy a {matar|quitar la vida}",
				"{quitarme|me quito|me quite|me voy a quitar|me quiero quitar} la vida",
				"{acabar|terminar|acabo|termino|acabe|termine|poner fin} {con|a} mi {|propia} vida",
				"{quiero|voy a|ganas de|pienso|pensando en} {acabar|terminar} con todo",
				"ya no quiero {vivir|existir|estar aqui|estar vivo|estar viva|seguir viviendo|seguir aqui|seguir asi|despertar|estar en este mundo}",
				"no quiero vivir",
				"no quiero {vivir mas|seguir viviendo|estar vivo|estar viva|existir|vivir asi|seguir vivo|seguir viva}",
				// Longer than the "no quiero vivir en/con" safe phrases.
				"{ya|} no quiero vivir {en este mundo|en esta vida|con este dolor|con el dolor|en este cuerpo|en el dolor}",
				"no quiero despertar {manana|nunca mas|jamas|otra vez}",
				"{ojala|quisiera|deseo} {me muera|me muriera|morirme|estar muerto|estar muerta|estuviera muerto|estuviera muerta|no haber nacido|nunca haber nacido|no hubiera nacido|nunca hubiera nacido|no existir|no existiera|desaparecer para siempre}",
				esNoWakeUp,
				"{dormirme|dormir|quedarme dormido|quedarme dormida} y {no despertar|nunca despertar|no volver a despertar}",
				"no despertar nunca mas",
				"{mejor|preferiria estar|prefiero estar} {muerto|muerta}",
				"mejor sin mi",
				"mejor si yo {no estuviera|no existiera|me muriera|desapareciera|no hubiera nacido}",
				"no tengo {razon|razones|motivo|motivos|nada} {para|por que|por} vivir",
				"no hay {razon|razones|motivo|motivos} para {vivir|seguir viviendo|seguir vivo|seguir viva}",
				"nada por {que|lo que} vivir",
				"sin {razon|razones|motivo|motivos} para vivir",
				"{no vale|ya no vale} la pena {vivir|seguir viviendo|seguir vivo|seguir viva}",
				"{la|mi} vida no vale la pena",
				"{la|mi} vida no tiene sentido",
				"no tiene sentido {vivir|seguir viviendo|seguir vivo|seguir viva|existir}",
				"{perdi|he perdido|no tengo|ya no tengo|sin} {las|} ganas de vivir",
				"no puedo seguir {viviendo|asi|adelante|con vida}",
				"{cansado|cansada|harto|harta} de {vivir|la vida|existir|estar vivo|estar viva}",
				"{soy|me siento|solo soy|nada mas soy} una carga",
				"{ser|seguir siendo} una carga para {todos|mi familia|mis hijos|los demas|mi esposa|mi esposo|mi pareja}",
				"no merezco {vivir|estar vivo|estar viva|existir}",
				"merezco {morir|morirme|estar muerto|estar muerta}",
				"deberia {morirme|estar muerto|estar muerta|matarme}",
				"esto es un adios",
				"adios mundo cruel",
				"{ya no|no} voy a estar aqui {por mucho tiempo|mucho tiempo|manana|mas}",
				"ya no {seran|sere} una carga",
			},
		},
		{
			name: "self-harm",
			phrases: []string{
				esCut,
				esCut + " {las venas|la vena|las munecas|la muneca|los brazos|el brazo|las piernas|la pierna|el cuello|la garganta}",
				"{cortarme|me corto|me corte|me quiero cortar|me voy a cortar} a proposito",
				esHurt,
				esHurt + " a proposito",
				"{autolesion|autolesiones|autolesionarme|autolesionandome|autolesionarse|autolesionarte}",
				"{hago|hacia|volvi al|volvi a hacer|haciendo|hice|haciendome} cutting",
				"{quemarme|me quemo|me queme|me quemaba} a proposito",
				"{quemarme|me quemo|me queme|me quemaba} con {cigarros|cigarrillos|un cigarro|un cigarrillo|el encendedor|un encendedor|cerillos|un cerillo}",
				"{ahorcarme|ahorcarse|me ahorco|me voy a ahorcar|me quiero ahorcar}",
				"{colgarme|me cuelgo|me voy a colgar|me quiero colgar} {de una viga|del techo|de un arbol|con una soga|con una cuerda|con un cinturon}",
				"una soga al cuello",
				"{pegarme|darme|meterme|me voy a pegar|me voy a dar|me quiero pegar|me quiero dar} un {tiro|balazo|plomazo}",
				"{volarme|me voy a volar|me quiero volar} los sesos",
				"{dispararme|me voy a disparar|me quiero disparar}",
				"{una|la} pistola en la cabeza",
				"{tirarme|aventarme|lanzarme|me voy a tirar|me voy a aventar|me quiero tirar|me quiero aventar|saltar} {de un puente|del puente|de un edificio|del edificio|del techo|de la azotea|del balcon|por la ventana|al metro|a las vias|al tren|frente al tren|frente a un tren|frente a un carro|frente a un camion|a la carretera|al trafico}",
				"{envenenarme|me voy a envenenar|me quiero envenenar}",
				"{quiero|voy a|me voy a} ahogarme",
				"{chocar|estrellar|estrellarme|chocarme} {el carro|el coche|la troca|mi carro|mi coche} a proposito",
				"dejar de comer hasta morirme",
			},
		},
		{
			name: "overdose intent",
			phrases: []string{
				"{sobredosis|overdose|od|un od|una od} {a proposito|adrede|intencional|a drede|apropósito}",
				esWantOrWill + " {meterme|tomarme|darme|hacerme|meter|tomar|hacer} {una sobredosis|un overdose|una overdose|un od|od|overdose}",
				"{sobredosificarme|overdosearme|overdosiarme|sobredosearme}",
				"{quiero|voy a|ganas de|pienso en} {overdosear|overdosiar|sobredosear|hacer od|hacer overdose}",
				"{tomarme|me tome|me tomo|me voy a tomar|me quiero tomar|tragarme|me trague|me voy a tragar} todas {las|mis} " + esPills,
				"{tomarme|me tome|me tomo|me voy a tomar|tragarme|me trague} todas {las|mis} " + esPills + " {de golpe|de una vez|juntas|al mismo tiempo|de un jalon}",
				"{todo el frasco|el frasco entero|toda la caja|la caja entera|todo el bote} de " + esPills,
				"{suficiente|suficientes|lo suficiente de} {pastillas|pastis|fentanilo|fentanil|heroina|chiva|cristal|oxis|xanax|insulina} para {morirme|matarme|morir|no despertar|acabar con todo}",
				"{juntando|acumulando|junte|acumule|ahorrando|guardando todas} {pastillas|mis pastillas|pastis|mis pastis|medicinas|mis medicinas|pildoras}",
				"{tomar|beber|chupar|usar|drogarme|meterme|consumir|tomo|bebo|uso|me drogo|me meto} hasta {morir|morirme|que me muera|no despertar|matarme}",
				"{recaer|volver a usar|volver a consumir|volver a tomar|drogarme} {y morirme|y morir|para morirme|para morir|para no despertar|y no despertar|hasta morirme|hasta morir}",
				"{no me importa|me da igual|me vale|me vale madre|ya no me importa} {si me muero|morir|morirme|si no despierto|si me da una sobredosis|vivir o morir|si vivo o muero}",
			},
		},
		{
			name: "plans and preparation",
			phrases: []string{
				"{escribi|escribiendo|escribir|deje|dejar|dejando|voy a dejar} una carta de despedida {para|a} {mi familia|mis hijos|mi hija|mi hijo|mis papas|mis padres|mi mama|mi papa|mi esposa|mi esposo|mi pareja|todos|mis amigos}",
				"{regalando|regale|regalar|voy a regalar} {todas mis cosas|todo lo que tengo|mis cosas}",
				"{poniendo|puse|poner|dejando|dejar} {mis asuntos|todos mis asuntos|mis cosas} en orden",
				"{tengo|ya tengo|hice} un plan para {morir|morirme|acabar con todo|quitarme la vida}",
			},
		},
		{
			name: "someone else's suicide",
			phrases: []string{
				"se {quito|quitaba|quiso quitar} la vida",
				"se ahorco",
				"{se quitaron|se quitan} la vida",
			},
		},
		{
			name: "contact with crisis services",
			phrases: []string{
				"{llame|llamando|marque|le marque|escribi|mande mensaje|le escribi|chatee} {al 988|a la linea de crisis|a la linea de prevencion|a una linea de crisis|a la linea de la vida}",
			},
		},
	},

	safe: []string{
		// Wanting to live, and idioms around "morir".
		"no {quiero|queria|quise} {morir|morirme|matarme|estar muerto|estar muerta|quitarme la vida}",
		"no me {quiero|queria} {matar|morir}",
		"no me voy a matar",
		"{quiero|queria|quisiera} morir {sobrio|sobria|limpio|limpia|de viejo|de vieja|de anciano|de anciana|en recuperacion|viejito|viejita}",
		"{quiero|queria|quisiera} morirme {de risa|de la risa|de verguenza|de la verguenza|de pena|de la pena|de aburrimiento|de hambre|de sueno|de ganas|de frio|de calor|de nervios|de envidia}",
		"me {quiero|queria} morir {de risa|de la risa|de verguenza|de la verguenza|de pena|de la pena|de aburrimiento|de hambre|de sueno|de ganas|de frio|de calor|de nervios|de envidia|de viejo|de vieja|sobrio|sobria|limpio|limpia}",
		"{quiero|voy a} matarme {de risa|estudiando|trabajando|en el gym|en el gimnasio|haciendo ejercicio|entrenando|para pagar la renta}",
		"me {voy a|quiero} matar {de risa|estudiando|trabajando|en el gym|en el gimnasio|haciendo ejercicio|entrenando|para pagar la renta}",
		"no {quiero|voy a} {sobredosificarme|overdosearme|darme una sobredosis|meterme una sobredosis|hacerme una sobredosis}",
		"no me {quiero|voy a} {cortar|quitar la vida|ahorcar|disparar}",
		"{quiero|voy a|pienso} {acabar|terminar} con todo {el|la|los|las|lo que|mi trabajo|mis pendientes|mi tarea|eso|este proyecto}",

		// "no quiero vivir en esta ciudad", "... con mis papás".
		"{ya|} no quiero vivir {en|con|sin|cerca|aqui|alla|solo|sola|lejos|junto|de|rentando|arrimado|arrimada|una|un|la|el|otra|otro}",
		// "mejor sin mi celular" is not "mejor sin mí".
		"mejor sin mi {celular|telefono|carro|coche|ex|novio|novia|jefe|trabajo|computadora|cafe|cigarro|grupo}",
		"no quiero vivir asi de {lejos|cerca|apretados}",
		"ya no quiero estar aqui {en|con|trabajando|viviendo|de|esperando|sentado|sentada}",
		"ya no quiero seguir aqui {en|con|trabajando|viviendo|de}",
		"ya no quiero despertar " + esWakeUpIdioms,
		"no quiero despertar manana " + esWakeUpIdioms,
		esNoWakeUp + " " + esWakeUpIdioms,
		"no puedo seguir adelante con {el|la|los|las|mi|mis|este|esta|eso}",
		"{cansado|cansada|harto|harta} de vivir {con|en|aqui|alla|cerca|lejos|rentando|de}",
		"{no tengo|sin} ganas de vivir {en|con|aqui|alla|cerca|lejos}",

		// Cutting: haircuts, nails and the kitchen.
		esCut + " {el|un|una|con|cocinando|picando|pelando|rasurando|rasurandome|afeitando|afeitandome|sin querer|por accidente|accidentalmente|al|en el dedo|en la cocina|mientras}",
		esCut + " la {pierna|muneca} {con|cocinando|rasurando|rasurandome|afeitando|afeitandome|sin querer|por accidente|accidentalmente|al|en}",
		esCut + " las {unas|puntas}",
		esCut + " las piernas {con|cocinando|rasurando|rasurandome|afeitando|afeitandome|sin querer|por accidente|accidentalmente|al|en}",
		// Sports and work injuries.
		esHurt + " {el|la|los|las|un|una|en|jugando|corriendo|entrenando|levantando|cargando|haciendo|al|trabajando|en el gym|en el trabajo|en el gimnasio|por accidente|sin querer|accidentalmente}",
		// "dispararme en el pie" is shooting oneself in the foot.
		"{dispararme|me voy a disparar|me quiero disparar} en el pie",
		// "saltar de un puente" for a bungee jump.
		"saltar de un puente {en bungee|con bungee|en paracaidas|con cuerda elastica}",

		// Prevention and awareness work.
		"{taller|talleres|curso|cursos|capacitacion|entrenamiento|charla|platica|mes|dia|semana|caminata|campana|programa|conferencia|certificacion|evento|jornada} de prevencion del suicidio",
		"{dia|mes} {mundial|nacional} {de|para} la prevencion del suicidio",

		// Taking medicine as prescribed.
		"{me tomo|me tome|tomarme} todas {las|mis} " + esPills + " {cada|todos|todas|a tiempo|como me|como debo|como las|como los|con la comida|con el desayuno|con agua|en la manana|en la noche|por la manana|por la noche|diario|diariamente|sin falta|a la hora}",
	},
}
